"""Node ids from the plant file, resolved against a connected server.

Accepts the usual OPC UA forms (``ns=2;s=Machines/FAB1/Status/StateCurrent``, ``ns=3;i=1001``,
``i=2258``) and ``nsu=<namespace uri>;s=...``, whose namespace index is looked up on the server
(indexes can change between servers and restarts; URIs do not).
"""

from __future__ import annotations

from asyncua import Client, Node, ua

from orchestrator.ports.lines import LineStatusConfigError


def _split_nsu(text: str) -> tuple[str, str] | None:
    if not text.startswith("nsu="):
        return None
    uri, sep, rest = text[4:].partition(";")
    if not sep or not rest:
        raise ValueError("nsu= needs an identifier after ';'")
    return uri, rest


async def resolve_node_id(client: Client, text: str, where: str) -> ua.NodeId:
    """The NodeId for ``text``; ``where`` names the mapping entry in error messages."""
    try:
        split = _split_nsu(text.strip())
        if split is None:
            return ua.NodeId.from_string(text.strip())
        uri, rest = split
        try:
            index = await client.get_namespace_index(uri)
        except ValueError:
            raise LineStatusConfigError(
                f"{where}: the server has no namespace {uri!r}; check the nsu= part of {text!r}"
            ) from None
        plain = ua.NodeId.from_string(rest)
        return ua.NodeId(plain.Identifier, ua.Int16(index), plain.NodeIdType)
    except LineStatusConfigError:
        raise
    except (ValueError, ua.UaError, TypeError) as exc:
        raise LineStatusConfigError(
            f"{where}: {text!r} is not a node id ({exc}); write e.g. ns=2;s=Machines/FAB1/Status/StateCurrent"
        ) from None


async def resolve_nodes(client: Client, mapping: dict[str, str], where: str) -> dict[str, Node]:
    """Nodes by our field name for a ``field -> node id`` mapping."""
    return {
        field: client.get_node(await resolve_node_id(client, text, f"{where}.{field}"))
        for field, text in mapping.items()
    }


async def read_current(client: Client, nodes: dict[str, Node], where: str) -> dict[str, object]:
    """Current values by field; a node the server does not have is a :class:`LineStatusConfigError`."""
    fields = list(nodes)
    results = await client.read_attributes([nodes[f] for f in fields])
    values: dict[str, object] = {}
    missing: list[str] = []
    for field, result in zip(fields, results, strict=True):
        code = result.StatusCode
        if code is not None and code.value in (ua.StatusCodes.BadNodeIdUnknown, ua.StatusCodes.BadNodeIdInvalid):
            missing.append(f"{field} ({nodes[field].nodeid.to_string()})")
            continue
        good = code is None or code.is_good()
        values[field] = result.Value.Value if good and result.Value is not None else None
    if missing:
        raise LineStatusConfigError(
            f"{where}: the server has no node for {', '.join(missing)}; fix the node ids in the plant "
            "file's status.nodes, or set them to null when the line does not report them"
        )
    return values
