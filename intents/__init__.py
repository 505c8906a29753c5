"""Understanding: normalisation, segmentation, entities, intent classification, the decision."""
