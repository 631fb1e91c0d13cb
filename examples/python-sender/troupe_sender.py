#!/usr/bin/python3
"""Send `tell` and `ask` to Troupe actors from Python.

Uses Debian's python3-redis and python3-msgpack, so run it with /usr/bin/python3
(`apt-get install python3-redis python3-msgpack`; `.ci/run` installs them). It follows
docs/protocol.md step by step:

1. read the namespace's meta hash `troupe:<ns>:meta` (HGETALL); a namespace without one does not
   exist (a typo would send into a system no worker serves), so that is an error naming the
   namespaces that do exist. Its `type:<type>` field names the type's pool (absent: `default`);
   the default pool's partitions are 0 .. P-1 (P = field `partitions`), another pool's are
   `first .. first+count-1` (field `pool:<name>` = "<first> <count>");
2. p = first + crc32(utf8("<type>/<id>")) mod count;
3. encode the envelope as a MessagePack map;
4. run the send script (src/redis/lua/tell.lua, its `-- @include` lines inlined as
   src/redis/scripts.ts does) on partition p's mailbox, ready and wake keys, with EVALSHA
   (falling back to EVAL when Redis does not know the script yet).

On a Redis Cluster it works unchanged: a URL of any node (or a comma-separated list of them) is
detected by `INFO cluster` and opened as a `RedisCluster`, which sends each call to the node of
its keys' slot (every key of one call shares the partition's hash tag).

An ask also sets `replyTo` (this object's client id) and `corr`, then BLPOPs the client's reply
list `{troupe:<ns>}:reply:<client id>` until the reply with that `corr` arrives.

Tracing (docs/tracing.md): given a W3C `traceparent` (and optionally `tracestate`), every envelope
carries it as `tc`, so the actor's turn span continues the caller's trace. By default they come
from the TRACEPARENT and TRACESTATE environment variables, OpenTelemetry's convention for handing
trace context to a process. In a service traced with opentelemetry-python, inject the current
context into a dict and pass its entries (each `Troupe` keeps the one it was given; make one per
trace, or set `trace_context` before a send):

    carrier = {}
    opentelemetry.propagate.inject(carrier)
    t.trace_context = carrier or None

    from troupe_sender import Troupe
    t = Troupe("redis://127.0.0.1:6379", namespace="demo")
    t.tell("counter", "c-1", "add", 5)
    print(t.ask("counter", "c-1", "value"))     # 5 once a worker has run both

Command line:

    /usr/bin/python3 troupe_sender.py REDIS_URL NAMESPACE tell|ask TYPE ID METHOD [JSON args...]

`ask` prints the reply as one line of JSON. Exit 0 on success, 2 when the handler failed (or the
message was dead-lettered), no reply came in time, the arguments or Redis were wrong, or
python3-redis / python3-msgpack are not installed.

A `Troupe` object is not thread-safe: give each thread its own (each gets its own client id and
reply list, as docs/protocol.md asks).
"""

import json
import logging
import os
import re
import sys
import time
import uuid
import zlib
from pathlib import Path
from urllib.parse import urlparse

try:
    import msgpack
    import redis
except ImportError as err:  # pragma: no cover - depends on the machine
    _HINT = (
        f"troupe_sender: {err}. Install Debian's packages for /usr/bin/python3: "
        "apt-get install python3-redis python3-msgpack (or run .ci/run, which does), "
        "and run this file with /usr/bin/python3."
    )
    if __name__ != "__main__":
        # imported by a service: an ImportError it can catch, not an exit from under it
        raise ImportError(_HINT) from err
    sys.stderr.write(_HINT + "\n")
    # 2, as for every other error: the command line promises 0 on success and 2 on any error
    raise SystemExit(2)

__all__ = ["Troupe", "TroupeError", "AskTimeout", "RemoteError", "lua_source", "partition_of"]

ENVELOPE_VERSION = 1
# the meta key of a namespace; SCAN's `*` also matches ':', so matches are checked against this
META_KEY_RE = re.compile(r"^troupe:([A-Za-z0-9_.-]+):meta$")

# src/redis/lua relative to this file: examples/python-sender/ -> repository root.
# TROUPE_LUA_DIR points elsewhere, e.g. at an installed copy of Troupe's src/redis/lua.
LUA_DIR = Path(os.environ.get("TROUPE_LUA_DIR") or Path(__file__).resolve().parents[2] / "src" / "redis" / "lua")

# The name rules of docs/protocol.md ("Names"); the send script checks nothing, so a sender must.
NAMESPACE_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
TYPE_RE = re.compile(r"^[A-Za-z0-9_.:-]+$")
METHOD_RE = re.compile(r"^[A-Za-z0-9_.:-]+$")
INCLUDE_RE = re.compile(r"^-- @include (\S+)\s*$", re.M)


class TroupeError(Exception):
    """Anything this sender reports: bad names, no reply, a failed handler."""


class AskTimeout(TroupeError, TimeoutError):
    """No reply came within the ask's timeout. The message may still be handled later."""


class RemoteError(TroupeError):
    """The actor answered the ask with `ok: false`.

    `name` is the remote error's name: the handler's exception (`Error`, `TypeError`, ...) or
    `DeadLetter` when the worker could not run the message (unknown method, invalid args, ...; the
    message then starts with the dead-letter reason, e.g. `unknown-method: ...`).
    """

    def __init__(self, name, message, stack=None):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message
        self.stack = stack


def lua_source(name, lua_dir=LUA_DIR):
    """The text of a Troupe script with every `-- @include lib/x.lua` line replaced by that file,
    exactly as src/redis/scripts.ts builds it."""
    text = (Path(lua_dir) / name).read_text(encoding="utf-8")
    return INCLUDE_RE.sub(lambda m: lua_source(m.group(1), lua_dir), text)


def partition_of(type_, id_, partitions):
    """crc32 of the UTF-8 bytes of `<type>/<id>`, mod P (Python's crc32 is already unsigned)."""
    return zlib.crc32(f"{type_}/{id_}".encode("utf-8")) % partitions


def _new_id():
    return uuid.uuid4().hex


def open_redis(url):
    """A client for `url`: a plain Redis, or a RedisCluster when the node says it is in one (a
    comma-separated list of node URLs is a cluster's seeds)."""
    seeds = [u.strip() for u in url.split(",") if u.strip()]
    if len(seeds) > 1:
        return _cluster(seeds)
    plain = redis.Redis.from_url(url)
    try:
        enabled = plain.info("cluster").get("cluster_enabled") == 1
    except redis.ResponseError:
        enabled = False  # a server that does not know INFO cluster is not in one
    if not enabled:
        return plain
    plain.close()
    return _cluster(seeds)


def _cluster(seeds):
    """A RedisCluster from seed URLs; the first one's credentials and TLS apply to every node."""
    from redis.cluster import ClusterNode, RedisCluster

    if len(seeds) == 1:
        return RedisCluster.from_url(seeds[0])
    first = urlparse(seeds[0])
    nodes = [ClusterNode(urlparse(u).hostname or "127.0.0.1", urlparse(u).port or 6379) for u in seeds]
    return RedisCluster(
        startup_nodes=nodes,
        username=first.username,
        password=first.password,
        ssl=first.scheme == "rediss",
    )


class Troupe:
    """A sender for one namespace. `redis_url` is a URL (`redis://host:port/db`, `unix://...`; a
    cluster node's, or several nodes' separated by commas) or an existing `redis.Redis` or
    `redis.cluster.RedisCluster` client."""

    def __init__(
        self,
        redis_url,
        namespace="default",
        client_id=None,
        lua_dir=LUA_DIR,
        traceparent=None,
        tracestate=None,
    ):
        if not NAMESPACE_RE.match(namespace):
            raise TroupeError(f"namespace must match {NAMESPACE_RE.pattern} (no ':'); got {namespace!r}")
        self.namespace = namespace
        self.redis = open_redis(redis_url) if isinstance(redis_url, str) else redis_url
        # one reply list per sender object; BLPOP on a shared list would steal other clients' replies
        self.client_id = client_id or "py-" + _new_id()[:12]
        self._prefix = f"troupe:{namespace}:"
        # register_script runs EVALSHA and falls back to EVAL (loading it) on NOSCRIPT
        tell_lua = lua_source("tell.lua", lua_dir)
        self._tell = self.redis.register_script(tell_lua)
        if hasattr(self.redis, "get_primaries"):
            # loaded on every primary at once: redis-py's cluster client logs each NOSCRIPT it
            # falls back from as an error with its traceback
            for node in self.redis.get_primaries():
                node.redis_connection.script_load(tell_lua)
        self._partitions = None
        # actor type -> (first partition, partition count) of its pool
        self._pools = {}
        # actor type found unplaced -> when (time.monotonic()): routed to the default pool a while
        self._unplaced = {}
        # the envelope's optional `tc`: W3C trace context that the worker continues (or ignores)
        traceparent = traceparent or os.environ.get("TRACEPARENT")
        tracestate = tracestate or os.environ.get("TRACESTATE")
        self.trace_context = {"traceparent": traceparent} if traceparent else None
        if self.trace_context and tracestate:
            self.trace_context["tracestate"] = tracestate

    @property
    def partitions(self):
        """P, the default pool's partition count. It never changes after the namespace is created."""
        if self._partitions is None:
            self._read_meta()
        return self._partitions

    def _read_meta(self):
        """Reads `troupe:<ns>:meta` (docs/protocol.md "Pools"): P and where each placed type lives."""
        meta = {k.decode(): v.decode() for k, v in self.redis.hgetall(self._prefix + "meta").items()}
        if "partitions" not in meta:
            raise TroupeError(self._missing_namespace())
        self._partitions = int(meta["partitions"])
        pools = {"default": (0, self._partitions)}
        for field, value in meta.items():
            if field.startswith("pool:"):
                first, count = value.split(" ")
                pools[field[5:]] = (int(first), int(count))
        for field, pool in meta.items():
            if field.startswith("type:") and pool in pools:
                self._pools[field[5:]] = pools[pool]
        return pools

    def pool_range(self, type_):
        """(first partition, partition count) of the pool `type_` lives in. A placed type is looked
        up once per Troupe object; one not placed yet goes to the default pool and is looked up
        again a second later (a worker starting meanwhile places it)."""
        if type_ in self._pools:
            return self._pools[type_]
        seen = self._unplaced.get(type_)
        if seen is None or time.monotonic() - seen >= 1:
            self._read_meta()
            if type_ in self._pools:
                self._unplaced.pop(type_, None)
                return self._pools[type_]
            self._unplaced[type_] = time.monotonic()
        return (0, self.partitions)

    def _missing_namespace(self):
        """The error for a namespace with no meta key, naming those that exist (a bounded SCAN)."""
        names = set()
        # a cluster's meta keys are spread over its primaries: each is scanned on its own
        servers = (
            [n.redis_connection for n in self.redis.get_primaries()]
            if hasattr(self.redis, "get_primaries")
            else [self.redis]
        )
        for server in servers:
            cursor, looked = 0, 0
            while True:
                cursor, keys = server.scan(cursor, match="troupe:*:meta", count=1000)
                for key in keys:
                    m = META_KEY_RE.match(key.decode("utf-8", "replace"))
                    if m:
                        names.add(m.group(1))
                looked += 1000
                if cursor == 0 or looked >= 100_000:
                    break
        here = ", ".join(sorted(names)) if names else "none yet"
        return (
            f"no Troupe namespace {self.namespace!r} on this Redis (namespaces here: {here}): "
            f"check the namespace, or create it with \"troupe setup -n {self.namespace}\" "
            "(a worker creates it too); nothing was sent"
        )

    @property
    def reply_key(self):
        return f"{{troupe:{self.namespace}}}:reply:{self.client_id}"

    def tell(self, type_, id_, method, *args, ttl_ms=None):
        """Sends `method(*args)` to actor (type_, id_) and returns the message id once the message
        is in Redis (`this.messageId` in the handler). With `ttl_ms`, a message not started within
        that many ms is dead-lettered as `expired` instead of applied."""
        env = self._envelope(type_, id_, method, args, ttl_ms)
        self._send(env)
        return env["id"]

    def ask(self, type_, id_, method, *args, timeout=30, ttl_ms=None):
        """Sends `method(*args)` and waits up to `timeout` seconds for the handler's return value.
        Raises RemoteError when it failed (or was dead-lettered, expired included), AskTimeout when
        no reply came."""
        corr = _new_id()[:12]
        env = self._envelope(type_, id_, method, args, ttl_ms)
        env["replyTo"] = self.client_id
        env["corr"] = corr
        self._send(env)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AskTimeout(
                    f"{type_}/{id_} {method} got no reply within {timeout} s: is a worker serving "
                    f"namespace {self.namespace!r} (npx troupe -n {self.namespace} worker -a ./actors.ts)?"
                )
            # BLPOP takes a float timeout since Redis 6; 0 would mean "forever", so at least 1 ms
            res = self.redis.blpop([self.reply_key], timeout=max(left, 0.001))
            if res is None:
                continue
            try:
                reply = msgpack.unpackb(res[1], raw=False, strict_map_key=False)
            except Exception:
                continue  # not a reply we can read: dropped, like the Node client does
            if not isinstance(reply, dict) or reply.get("corr") != corr:
                continue  # a late reply to an earlier ask that timed out
            if reply.get("ok"):
                return reply.get("value")
            error = reply.get("error") or {}
            raise RemoteError(
                str(error.get("name", "Error")), str(error.get("message", "")), error.get("stack")
            )

    def close(self):
        self.redis.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _envelope(self, type_, id_, method, args, ttl_ms=None):
        if not isinstance(type_, str) or not TYPE_RE.match(type_):
            raise TroupeError(f"actor type must match {TYPE_RE.pattern} (never a '/'); got {type_!r}")
        if not isinstance(id_, str) or id_ == "":
            raise TroupeError(f"actor id must be a non-empty string; got {id_!r}")
        if not isinstance(method, str) or not METHOD_RE.match(method):
            raise TroupeError(f"method must match {METHOD_RE.pattern}; got {method!r}")
        env = {
            "v": ENVELOPE_VERSION,
            "id": _new_id(),
            "type": type_,
            "actor": id_,
            "method": method,
            "args": list(args),
            "sentAt": int(time.time() * 1000),  # uint64 in msgpack; Troupe reads it as a number
            "sender": self.client_id,
        }
        if ttl_ms is not None:
            if isinstance(ttl_ms, bool) or not isinstance(ttl_ms, (int, float)) or not ttl_ms > 0:
                raise TroupeError(f"ttl_ms must be a positive number of ms; got {ttl_ms!r}")
            env["ttl"] = ttl_ms
        if self.trace_context:
            env["tc"] = self.trace_context
        return env

    def _send(self, env):
        akey = f"{env['type']}/{env['actor']}"
        first, count = self.pool_range(env["type"])
        p = first + partition_of(env["type"], env["actor"], count)
        tag = f"{{troupe:{self.namespace}:{p}}}:"
        keys = [tag + "mb:" + akey, tag + "ready", tag + "wake"]
        # use_bin_type: strings as msgpack str, bytes as bin (the default in msgpack >= 1.0)
        data = msgpack.packb(env, use_bin_type=True)
        # ARGV[1] must be exactly the actor key that ends KEYS[1]: the script does not check it
        return self._tell(keys=keys, args=[akey, data])


def _json_value(value):
    """Troupe writes numbers past 32 bits as float64, so 2**40 comes back as 1099511627776.0;
    print integral floats as integers, as the Node CLI (JSON.stringify) does."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def main(argv):
    usage = (
        "usage: troupe_sender.py REDIS_URL NAMESPACE tell|ask TYPE ID METHOD [JSON args...]\n"
        "  each argument is JSON: 5, true, '\"text\"', '{\"a\": 1}'\n"
        "  TROUPE_ASK_TIMEOUT (seconds, default 30) bounds an ask\n"
        "  TROUPE_TTL_MS, if set, is the message's time to live (ms)\n"
        "  TRACEPARENT (and TRACESTATE), if set, go into the envelope as trace context\n"
    )
    if len(argv) < 6 or argv[2] not in ("tell", "ask"):
        sys.stderr.write(usage)
        return 2
    url, namespace, verb, type_, id_, method, *words = argv
    args = []
    for i, word in enumerate(words, 1):
        try:
            args.append(json.loads(word))
        except ValueError as err:
            sys.stderr.write(
                f"troupe_sender: argument {i} ({word}) is not valid JSON ({err}); "
                f"quote a string for the shell as '{json.dumps(word)}'\n"
            )
            return 2
    # redis-py's cluster client logs every redirection it follows (a reshard's MOVED and ASK) as an
    # error with a traceback; what fails for good is raised and reported below
    logging.getLogger("redis.cluster").setLevel(logging.CRITICAL)
    ttl = os.environ.get("TROUPE_TTL_MS")
    try:
        ttl_ms = float(ttl) if ttl else None
    except ValueError:
        sys.stderr.write(f"troupe_sender: TROUPE_TTL_MS must be a number of ms; got {ttl!r}\n")
        return 2
    try:
        with Troupe(url, namespace) as troupe:
            if verb == "tell":
                troupe.tell(type_, id_, method, *args, ttl_ms=ttl_ms)
                sys.stderr.write(f"troupe_sender: sent {method} to {type_}/{id_} (namespace {namespace})\n")
            else:
                timeout = float(os.environ.get("TROUPE_ASK_TIMEOUT", "30"))
                value = troupe.ask(type_, id_, method, *args, timeout=timeout, ttl_ms=ttl_ms)
                print(json.dumps(_json_value(value)))
    except (TroupeError, redis.RedisError, OSError) as err:
        sys.stderr.write(f"troupe_sender: {type(err).__name__}: {err}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
