"""Python client for the Sweep broker (wire protocol v1, docs/PROTOCOL.md).

Depends only on pyzmq and msgpack (Debian: python3-zmq, python3-msgpack).
"""

import itertools
import os
import time
import uuid

import msgpack
import zmq

__all__ = ["Client", "SweepError", "TERMINAL_STATES"]

PROTOCOL_VERSION = 1
TERMINAL_STATES = frozenset({"completed", "failed", "cancelled"})
KNOWN_CODES = frozenset({"bad_request", "not_found", "conflict", "too_large",
                         "unsupported_version", "unavailable", "internal"})


class SweepError(Exception):
    """An `error` reply from the broker, or a transport failure (code `unavailable`)."""

    def __init__(self, code, message, field=None):
        super().__init__(f"{code}: {message}")
        # Unknown codes are treated as `internal` (PROTOCOL §4.2).
        self.code = code if code in KNOWN_CODES else "internal"
        self.message = message
        self.field = field


def _pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def _unpack(data):
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


def _load_curve(server_key_file, key_file):
    """(server public, own public, own secret) as Z85 bytes, or None for plain TCP."""
    if server_key_file is None and key_file is None:
        return None
    if server_key_file is None or key_file is None:
        raise ValueError("CURVE needs both curve_server_key (the broker's .pub file) and "
                         "curve_key (this client's .key file)")
    import zmq.auth  # our key files are ZeroMQ zcert files
    server, _ = zmq.auth.load_certificate(server_key_file)
    public, secret = zmq.auth.load_certificate(key_file)
    if server is None:
        raise ValueError(f"{server_key_file}: no public-key line")
    if public is None or secret is None:
        raise ValueError(f"{key_file}: needs public-key and secret-key lines (a .key file)")
    return server, public, secret


class Client:
    """Request/reply client over a DEALER socket with lazy-pirate retries.

    A request that gets no reply within `timeout_s` is re-sent (same `req`, same payload, so a
    submit keeps its idempotency key) on a fresh socket, up to `retries` times.
    """

    def __init__(self, endpoint, timeout_s=5, retries=3, context=None,
                 curve_server_key=None, curve_key=None):
        """`curve_server_key` (the broker's .pub file) and `curve_key` (this client's .key file,
        from `sweep keygen`) turn on CURVE, both or neither (docs/SECURITY.md). A broker that
        refuses the key never answers: requests end as SweepError("unavailable")."""
        self.endpoint = endpoint
        self.timeout_s = float(timeout_s)
        self.retries = int(retries)
        self._curve = _load_curve(curve_server_key, curve_key)
        self._ctx = context or zmq.Context.instance()
        self._sock = None
        self._prefix = f"py-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._seq = itertools.count(1)
        self._connect()

    # -- transport ---------------------------------------------------------------------------

    def _connect(self):
        if self._sock is not None:
            self._sock.close(linger=0)
        self._sock = self._ctx.socket(zmq.DEALER)
        self._sock.setsockopt(zmq.LINGER, 0)
        self._secure(self._sock)
        self._sock.connect(self.endpoint)

    def _secure(self, sock):
        if self._curve is not None:
            server, public, secret = self._curve
            sock.curve_serverkey = server
            sock.curve_publickey = public
            sock.curve_secretkey = secret

    def close(self):
        if self._sock is not None:
            self._sock.close(linger=0)
            self._sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _request(self, type_, **fields):
        req = f"{self._prefix}-{next(self._seq)}"
        msg = {"v": PROTOCOL_VERSION, "type": type_, "req": req}
        msg.update({k: v for k, v in fields.items() if v is not None})
        payload = _pack(msg)
        if self._sock is None:
            self._connect()
        for attempt in range(self.retries + 1):
            if attempt > 0:
                self._connect()  # lazy pirate: drop the socket, reconnect, re-send
            self._sock.send(payload)
            deadline = time.monotonic() + self.timeout_s
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not self._sock.poll(int(left * 1000) + 1, zmq.POLLIN):
                    break
                frames = self._sock.recv_multipart()
                if len(frames) != 1:
                    continue
                try:
                    reply = _unpack(frames[0])
                except Exception:
                    continue
                if not isinstance(reply, dict) or reply.get("req") != req:
                    continue  # a stale reply to an earlier (timed-out) request
                if reply.get("type") == "error":
                    raise SweepError(reply.get("code", "internal"), reply.get("message", ""),
                                     reply.get("field"))
                return reply
        raise SweepError("unavailable",
                         f"no reply from {self.endpoint} to '{type_}' after "
                         f"{self.retries + 1} attempts of {self.timeout_s}s")

    @staticmethod
    def _strip(reply):
        return {k: v for k, v in reply.items() if k not in ("v", "type", "req")}

    # -- requests ----------------------------------------------------------------------------

    def submit(self, kind, spec, idempotency_key=None):
        """Submit a job; kind is 'backtest' or 'optimization'. Returns {id, total, status}."""
        if kind not in ("backtest", "optimization"):
            raise ValueError(f"kind must be 'backtest' or 'optimization', not {kind!r}")
        if idempotency_key is None:
            idempotency_key = uuid.uuid4().hex  # makes lazy-pirate retries safe
        r = self._request(f"submit_{kind}", spec=spec, idempotency_key=idempotency_key)
        return {"id": r["id"], "total": r["total"], "status": r["status"]}

    def status(self, id):
        return self._strip(self._request("status", id=id))

    def cancel(self, id):
        return self._strip(self._request("cancel", id=id))

    def get(self, id):
        return self._request("get", id=id)["job"]

    def trials(self, id, sort=None, order=None, limit=100, offset=0):
        return self._strip(self._request("trials", id=id, sort=sort, order=order,
                                         limit=limit, offset=offset))

    def list(self, kind=None, status=None, limit=100, offset=0):
        return self._strip(self._request("list", kind=kind, status=status,
                                         limit=limit, offset=offset))

    def health(self):
        return self._strip(self._request("health"))

    def strategies(self):
        """{"strategies": [{name, description, params: [...]}], "metrics": [name, ...]}"""
        return self._strip(self._request("strategies"))

    def datasets(self):
        """{"files": [{path, bytes, source}], "stored": [{id, name, bars, ..., source}]}"""
        return self._strip(self._request("datasets"))

    # -- helpers -----------------------------------------------------------------------------

    def wait(self, id, timeout_s=60, poll_s=0.2):
        """Poll status until the job is terminal; returns the final status.

        Raises TimeoutError when it is not terminal within timeout_s."""
        deadline = time.monotonic() + timeout_s
        while True:
            st = self.status(id)
            if st["status"] in TERMINAL_STATES:
                return st
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"job {id} still {st['status']} after {timeout_s}s")
            time.sleep(min(poll_s, left))

    def subscribe(self, id, callback, timeout_s=60):
        """Receive the job's events (topic `job.<id>`), calling callback(event) for each.

        Also polls status about once a second (events are lossy). Returns the final status
        once the job is terminal; raises TimeoutError after timeout_s."""
        events_ep = self.health()["endpoints"]["events"]
        sub = self._ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        sub.setsockopt(zmq.SUBSCRIBE, f"job.{id}".encode())
        self._secure(sub)
        sub.connect(events_ep)
        try:
            deadline = time.monotonic() + timeout_s
            next_poll = time.monotonic()
            while True:
                now = time.monotonic()
                if now >= next_poll:
                    st = self.status(id)
                    if st["status"] in TERMINAL_STATES:
                        # Deliver what already arrived before returning.
                        while sub.poll(0, zmq.POLLIN):
                            self._dispatch(sub, id, callback)
                        return st
                    next_poll = now + 1.0
                if now >= deadline:
                    raise TimeoutError(f"job {id} not terminal after {timeout_s}s")
                wait = max(0.0, min(next_poll, deadline) - time.monotonic())
                if sub.poll(int(wait * 1000) + 1, zmq.POLLIN):
                    ev = self._dispatch(sub, id, callback)
                    if ev is not None and ev.get("type") == "state" \
                            and ev.get("status") in TERMINAL_STATES:
                        next_poll = time.monotonic()  # confirm via status right away
        finally:
            sub.close(linger=0)

    @staticmethod
    def _dispatch(sub, id, callback):
        frames = sub.recv_multipart()
        if len(frames) != 2:
            return None
        try:
            ev = _unpack(frames[1])
        except Exception:
            return None
        # Prefix subscriptions also match longer ids: check the payload's job field.
        if not isinstance(ev, dict) or ev.get("job") != id:
            return None
        callback(ev)
        return ev
