"""Retrieval inside an intent: BM25F over questions, title, contact names and aliases, and answers, with conditions."""

from __future__ import annotations

import pytest

from bot.engine.catalogue import Catalogue
from bot.engine.retrieve import Retriever
from intents.entities import Entities, extract_entities
from intents.normalize import Normalizer
from intents.segment import Segmenter
from knowledge.models import Contact, Entry, Text


def entry(entry_id: str, intent: str, title: str, questions: tuple[str, ...] = (), answer: str = "答",
          contact: str | None = None, **conditions: object) -> Entry:
    return Entry(id=entry_id, intent=intent, title=Text(title, title), answer=Text(answer, answer),
                 questions=questions, contact=contact, conditions=conditions, facts=("F-92",))


ENTRIES = [
    entry("foreign_talent-general", "foreign_talent", "外籍人才政策概览", ("外国人来大连工作要办什么",),
          "外籍人才需要办理工作许可和居留许可，还有人才签证。"),
    entry("foreign_talent-single-window", "foreign_talent", "工作许可和居留许可一窗办理", ("两个许可能一起办吗",),
          "可以一起办，一次提交、并联审批。", contact="ftz-window"),
    entry("foreign_talent-visa", "foreign_talent", "人才签证", ("R字签证怎么办",), "R字签证……"),
    entry("housing_purchase-general", "housing_purchase", "购房补贴和购房券有哪些", ("买房有什么补贴",)),
    entry("housing_purchase-voucher-with-subsidy", "housing_purchase", "领住房补贴的同时能用购房券吗",
          ("住房补贴和购房券能同时享受吗", "拿着房补还能领购房券吗"), "可以同时享受。"),
    entry("housing_purchase-phd", "housing_purchase", "博士购房补贴", ("博士买房补贴多少",), degree="phd"),
    entry("housing_purchase-master", "housing_purchase", "硕士购房补贴", ("硕士买房补贴多少",), degree="master"),
    entry("housing_purchase-double", "housing_purchase", "双一流毕业生购房", ("双一流毕业生买房",),
          double_first_class=True),
    entry("application_process-rent", "application_process", "租房补贴怎么申请", ("怎么申请",),
          topic="rental_housing"),
    entry("application_process-general", "application_process", "怎么申请人才政策", ("在哪申请",)),
]
CONTACTS = [Contact(id="ftz-window", name=Text("大连自贸片区移民事务服务中心", "FTZ immigration service centre"),
                    aliases=("自贸区移民服务中心", "移民服务中心"))]


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    return Retriever(ENTRIES, Segmenter(["购房券", "住房补贴", "工作许可", "自贸区"]), Normalizer({}), CONTACTS)


def best(retriever: Retriever, intent: str, text: str, topic: str | None = None) -> str | None:
    core = Normalizer({})(text)
    found = retriever.best(intent, extract_entities(core), core, topic)
    return found.id if found else None


def test_an_office_named_by_its_short_name_reaches_its_entry(retriever: Retriever) -> None:
    assert best(retriever, "foreign_talent", "自贸区移民服务中心能办工作许可吗") == "foreign_talent-single-window"


def test_a_combination_question_reaches_the_combination_rule(retriever: Retriever) -> None:
    assert best(retriever, "housing_purchase", "领着住房补贴还能用购房券吗") == "housing_purchase-voucher-with-subsidy"


def test_a_contradicted_condition_excludes_and_a_matched_one_raises(retriever: Retriever) -> None:
    assert best(retriever, "housing_purchase", "硕士买房补贴多少") == "housing_purchase-master"
    assert best(retriever, "housing_purchase", "我是博士，买房补贴多少") == "housing_purchase-phd"
    ranked = [e.id for _, e in retriever.ranked("housing_purchase", Entities(degree="master"), "博士买房补贴多少")]
    assert "housing_purchase-phd" not in ranked  # the person said master's


def test_an_unstated_condition_is_used_only_when_nothing_else_matches(retriever: Retriever) -> None:
    # nothing said about the degree: the general answer, not one degree's
    assert best(retriever, "housing_purchase", "买房补贴多少") == "housing_purchase-general"
    assert best(retriever, "housing_purchase", "双一流毕业生买房") == "housing_purchase-double"
    assert best(retriever, "application_process", "怎么申请") == "application_process-general"
    assert best(retriever, "application_process", "怎么申请", topic="rental_housing") == "application_process-rent"


def test_with_nothing_to_go_on_the_general_entry_answers(retriever: Retriever) -> None:
    assert retriever.best("housing_purchase", Entities(), "") == ENTRIES[3]
    assert retriever.general("foreign_talent") == ENTRIES[0]
    assert retriever.best("no_such_intent", Entities(), "买房") is None


def test_the_index_is_per_intent(retriever: Retriever) -> None:
    ranked = retriever.ranked("foreign_talent", Entities(), "买房补贴购房券")
    assert {e.intent for _, e in ranked} == {"foreign_talent"}


def test_the_catalogue_answers_for_a_named_occupation() -> None:
    honest = entry("shortage_catalogue-occupation-list-unknown", "shortage_catalogue", "目录岗位清单")
    empty = Catalogue([], [honest])
    assert empty.answer("焊工在目录里吗", Entities(), "zh").entry == honest
    assert empty.answer("紧缺人才有什么待遇", Entities(), "zh") is None
    assert "焊工" in (Catalogue([], []).answer("焊工在目录里吗", Entities(), "zh").text or "")
    loaded = Catalogue([{"occupation": "焊工", "occupation_en": "welder", "aliases": ["电焊工"], "industry": "装备制造",
                         "stars": 4, "edition": "2021版", "source": "目录（2021）"}], [honest])
    listed = loaded.answer("电焊工在紧缺目录里吗", Entities(), "zh").text or ""
    assert "焊工" in listed and "装备制造" in listed and "★★★★" in listed and "2021版" in listed
    assert "welder (焊工)" in (loaded.answer("is a welder on the shortage list", Entities(), "en").text or "")
    assert "没有找到“护士”" in (loaded.answer("护士算不算紧缺人才", Entities(), "zh").text or "")


def test_a_stated_time_of_graduation_reaches_the_entry_about_graduation_years() -> None:
    entries = [entry("rental_housing-phd", "rental_housing", "博士住房补贴每月多少", ("博士毕业能领多少房补",),
                     degree="phd"),
               entry("rental_housing-graduation-window", "rental_housing", "毕业几年内能领住房补贴",
                     ("毕业几年了还能领房补吗",))]
    retriever = Retriever(entries, Segmenter([]), Normalizer({}), [])
    # the degree matches the first entry's condition; the time since graduation is what is asked
    for text in ("我博士毕业两年半了，还能领房补吗", "博士毕业3年了还能领房补吗"):
        assert best(retriever, "rental_housing", text) == "rental_housing-graduation-window", text
    assert extract_entities("我2010年本科毕业的").graduation_year == 2010
    assert extract_entities("19年硕士毕业").graduation_year == 2019
    assert extract_entities("我是中职毕业的").degree == "college"


def test_uncertain_intents_are_settled_only_when_one_intent_s_entries_clearly_match(retriever: Retriever) -> None:
    # the question is about the single window: only foreign_talent's entries match it
    core = "自贸区移民服务中心能办工作许可吗"
    assert retriever.settle([("foreign_talent", 0.45), ("housing_purchase", 0.5)], core) == "foreign_talent"
    assert 0 < retriever.match("foreign_talent", core) <= 1
    # a word every intent's entries share settles nothing ("补贴" is in both)
    assert retriever.settle([("housing_purchase", 0.5), ("application_process", 0.45)], "补贴") is None
    assert retriever.settle([("housing_purchase", 0.5)], "") is None


def test_a_matched_degree_breaks_ties_but_does_not_outweigh_the_kind_of_question_asked() -> None:
    entries = [entry("rental_housing-master", "rental_housing", "硕士住房补贴每月多少",
                     ("硕士毕业生住房补贴每月多少",), degree="master"),
               entry("rental_housing-how-to-apply", "rental_housing", "住房补贴怎么申请",
                     ("租房补贴怎么申请", "在哪申请住房补贴"))]
    retriever = Retriever(entries, Segmenter([]), Normalizer({}), [])
    # how to apply is asked: the degree's own entry (its amount) must not win on the degree alone
    assert best(retriever, "rental_housing", "硕士住房补贴咋申请") == "rental_housing-how-to-apply"
    # the amount is asked: the degree's entry answers it
    assert best(retriever, "rental_housing", "硕士租房补贴每月多少") == "rental_housing-master"
    # both an amount and a duration asked: the degree's entry gives the amount, it keeps its condition
    assert best(retriever, "rental_housing", "硕士房补每月多少、能领多久") == "rental_housing-master"


def test_a_question_equal_to_an_entry_s_question_variant_reaches_that_entry() -> None:
    entries = [entry("rental_housing-general", "rental_housing", "高校毕业生住房补贴",
                     ("租房补贴", "housing subsidy"), "每月发放住房补贴。"),
               entry("rental_housing-2019-rules", "rental_housing", "2019年租房补贴细则",
                     ("2019年租房补贴发几年",), "2019年租房补贴细则：租房补贴、租房补贴。"),
               entry("shortage_catalogue-general", "shortage_catalogue", "紧缺人才目录是什么",
                     ("what is the Dalian shortage talent catalogue",)),
               entry("shortage_catalogue-benefits", "shortage_catalogue", "紧缺人才待遇",
                     ("shortage talent benefits", "what do shortage talents get"), "shortage talent catalogue",
                     tier="shortage")]
    retriever = Retriever(entries, Segmenter([]), Normalizer({}), [])
    assert best(retriever, "rental_housing", "租房补贴") == "rental_housing-general"
    assert best(retriever, "rental_housing", "Housing subsidy?") == "rental_housing-general"
    # near-exact: the city's name and "what is the" aside; it beats an entry whose condition the words match
    assert retriever.variant_key("What is the shortage talent catalogue?") == \
        retriever.variant_key("what is the Dalian shortage talent catalogue")
    assert best(retriever, "shortage_catalogue", "What is the shortage talent catalogue?") == \
        "shortage_catalogue-general"


def test_an_office_named_in_the_question_counts_as_its_benefit_stated() -> None:
    entries = [entry("service_contacts-hrss-bureau", "service_contacts", "市人社局在哪里",
                     ("市人社局在哪里办公",), "人社局地址：……"),
               entry("service_contacts-research_support", "service_contacts", "科研项目在哪里办",
                     ("科技局地址",), "市科技局……", contact="stb", topic="research_support")]
    contacts = [Contact(id="stb", name=Text("大连市科学技术局", "Science and Technology Bureau"), aliases=("科技局",))]
    retriever = Retriever(entries, Segmenter(["科技局", "人社局"]), Normalizer({}), contacts)
    assert best(retriever, "service_contacts", "科技局在哪里办公") == "service_contacts-research_support"
    assert best(retriever, "service_contacts", "人社局在哪里办公") == "service_contacts-hrss-bureau"
