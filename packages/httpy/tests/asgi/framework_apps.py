"""A Starlette app and a FastAPI app, written as their users write them, for httpy to serve."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, WebSocket
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket as StarletteWebSocket
from starlette.websockets import WebSocketDisconnect

# --- Starlette --------------------------------------------------------------------------------


@asynccontextmanager
async def starlette_lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
    yield {"counter": {"requests": 0}, "name": "starlette on httpy"}


async def home(request: Request) -> JSONResponse:
    request.state.counter["requests"] += 1  # the state object is shared, the dict copied
    return JSONResponse({"name": request.state.name, "requests": request.state.counter["requests"]})


async def user(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"user {request.path_params['user_id']}")


async def upload(request: Request) -> JSONResponse:
    size = 0
    pieces = 0
    async for chunk in request.stream():
        size += len(chunk)
        pieces += 1
    return JSONResponse({"size": size, "pieces": pieces})


async def form(request: Request) -> JSONResponse:
    data = await request.form()
    return JSONResponse({key: str(value) for key, value in data.items()})


async def numbers(request: Request) -> StreamingResponse:
    count = int(request.query_params.get("count", "3"))

    async def lines() -> AsyncIterator[bytes]:
        for number in range(count):
            yield f"{number}\n".encode()

    return StreamingResponse(lines(), media_type="text/plain")


#: Set once the endless stream below stopped (its generator closed): the client left.
FOREVER_STOPPED = threading.Event()


async def forever(request: Request) -> StreamingResponse:
    async def ticks() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"tick\n"
                await asyncio.sleep(0.01)
        finally:
            FOREVER_STOPPED.set()

    return StreamingResponse(ticks(), media_type="text/plain")


async def where(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "url": str(request.url),
            "root_path": request.scope["root_path"],
            "client": request.client.host if request.client else None,
            "route": request.url_for("user", user_id=7).path,
        }
    )


#: The close code the Starlette socket below saw (set when the client leaves).
CHAT_CLOSED: dict[str, int] = {}


async def chat(websocket: StarletteWebSocket) -> None:
    await websocket.accept(subprotocol="chat")
    name = websocket.path_params["name"]
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_json({"from": name, "text": text, "state": websocket.state.name})
    except WebSocketDisconnect as closed:
        CHAT_CLOSED["code"] = closed.code


starlette_app = Starlette(
    routes=[
        Route("/", home),
        Route("/users/{user_id:int}", user, name="user"),
        Route("/upload", upload, methods=["POST"]),
        Route("/form", form, methods=["POST"]),
        Route("/numbers", numbers),
        Route("/forever", forever),
        Route("/where", where),
        Mount("/nested", routes=[Route("/", home)]),
        WebSocketRoute("/chat/{name}", chat),
    ],
    lifespan=starlette_lifespan,
)


# --- FastAPI ----------------------------------------------------------------------------------


class Item(BaseModel):
    name: str = Field(min_length=1)
    price: float = Field(gt=0)
    tags: list[str] = []


async def api_key(x_api_key: Annotated[str, Header()]) -> str:
    if x_api_key != "secret":
        raise HTTPException(status_code=401, detail="bad key")
    return x_api_key


fastapi_app = FastAPI()


@fastapi_app.post("/items", status_code=201)
async def create_item(item: Item, key: Annotated[str, Depends(api_key)]) -> dict[str, Any]:
    return {"item": item.model_dump(), "key_length": len(key)}


@fastapi_app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None) -> dict[str, Any]:
    return {"item_id": item_id, "q": q}


@fastapi_app.get("/sync")
def sync_route() -> dict[str, str]:
    return {"ran": "in a thread"}


@fastapi_app.websocket("/echo")
async def echo(websocket: WebSocket, token: str | None = None) -> None:
    if token != "ok":  # noqa: S105 - a test value, not a secret
        await websocket.close(code=1008)  # before accepting: refused (HTTP 403)
        return
    await websocket.accept()
    async for data in websocket.iter_bytes():
        await websocket.send_bytes(data[::-1])
