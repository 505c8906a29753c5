"""How the Bot API calls travel: python-telegram-bot's HTTPX request, with a call's parameters sent as one
JSON body (``application/json``, which the Bot API reads as it reads form fields).

PTB sends form fields: every byte of a reply's text is percent-escaped in Python (three escapes per Chinese
character), and every object parameter (the keyboard, the link-preview and reply options) is serialised on
its own first. One ``json.dumps`` of the parameters does the same work in C. What is sent is the same call
with the same parameters; an upload (a call with files) still goes as a multipart form, through PTB's own
path. Time-outs and network errors become PTB's ``TimedOut`` and ``NetworkError`` as there, and the answer
is read by PTB (``BaseRequest``), so every status maps to the same exception.
"""

from __future__ import annotations

import json

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

_DEFAULT = type(BaseRequest.DEFAULT_NONE)  # "not given": the request's own time-out applies


class JsonRequest(HTTPXRequest):
    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: object = BaseRequest.DEFAULT_NONE,
                         write_timeout: object = BaseRequest.DEFAULT_NONE,
                         connect_timeout: object = BaseRequest.DEFAULT_NONE,
                         pool_timeout: object = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if request_data is None or request_data.contains_files:
            return await super().do_request(url, method, request_data, read_timeout,  # type: ignore[arg-type]
                                            write_timeout, connect_timeout, pool_timeout)  # type: ignore[arg-type]
        client = self._client
        if client.is_closed:
            raise RuntimeError("This HTTPXRequest is not initialized!")
        given = client.timeout
        timeout = httpx.Timeout(connect=_or(connect_timeout, given.connect), read=_or(read_timeout, given.read),
                                write=_or(write_timeout, given.write), pool=_or(pool_timeout, given.pool))
        body = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            response = await client.request(method=method, url=url, headers=self._headers, timeout=timeout,
                                            content=body)
        except httpx.TimeoutException as err:
            if isinstance(err, httpx.PoolTimeout):
                raise TimedOut(message="Pool timeout: all connections in the connection pool are occupied; "
                                       "the request was not sent.") from err
            raise TimedOut from err
        except httpx.HTTPError as err:
            raise NetworkError(f"httpx.{err.__class__.__name__}: {err}") from err
        return response.status_code, response.content

    @property
    def _headers(self) -> dict[str, str]:
        return {"User-Agent": self.USER_AGENT, "Content-Type": "application/json"}


def _or(value: object, default: float | None) -> float | None:
    if isinstance(value, _DEFAULT):
        return default
    return value if value is None or isinstance(value, (int, float)) else default
