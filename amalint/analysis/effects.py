"""What each static-init entry point does *eagerly*: the registry keys it provides and requires.

Pure functions over the code model. From an entry point's body the analysis follows every call
that runs on the spot: direct calls, constructors and destructors of temporaries, locals and
members, immediately invoked lambdas, and function-local statics (their initializer runs when the
function first runs). A lambda that is only *stored* is deferred: nothing in it runs at start-up.

A registry call (matched against the profiles) with a literal key becomes an effect; a key passed
in through parameters is followed back to the literal at the call site. Every effect keeps the
chain of calls that leads to it. Calls that resolve to nothing are skipped and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from amalint.config.profiles import Registry, Role
from amalint.model import CallKind, CallSite, CodeModel, EntryPoint, Location, ParamRef

Key = str | ParamRef


@dataclass(frozen=True)
class Step:
    """One link of a call chain: where the call is and what it does."""

    location: Location
    text: str


@dataclass(frozen=True)
class Effect:
    """An eager registry call: ``role`` of ``key`` at ``site``, reached through ``chain``.
    ``optional`` is that of the final registry call of the chain: whether the profile says it
    may fail quietly (return nothing) rather than abort."""

    role: Role
    key: str
    api: str
    site: Location
    chain: tuple[Step, ...]
    optional: bool = False


@dataclass(frozen=True)
class _Summary:
    role: Role
    key: Key
    api: str
    site: Location
    chain: tuple[Step, ...]
    optional: bool


@dataclass(frozen=True)
class Analysis:
    """Entry points in start-up order, each with its eager effects in execution order."""

    order: tuple[EntryPoint, ...]
    effects: Mapping[EntryPoint, tuple[Effect, ...]]
    unresolved: Mapping[str, int] = field(default_factory=dict)
    unknown_keys: tuple[Location, ...] = ()

    @cached_property
    def _providers(self) -> dict[str, list[tuple[EntryPoint, Effect]]]:
        index: dict[str, list[tuple[EntryPoint, Effect]]] = {}
        for entry in self.order:
            for eff in self.effects[entry]:
                if eff.role is Role.PROVIDER:
                    index.setdefault(eff.key, []).append((entry, eff))
        return index

    def providers(self, key: str) -> list[tuple[EntryPoint, Effect]]:
        """Every eager registration of ``key``, in start-up order."""
        return self._providers.get(key, [])


def startup_order(entries: tuple[EntryPoint, ...], clang: bool = False
                  ) -> tuple[EntryPoint, ...]:
    """The order the runtime runs entry points: by priority (lower first); at equal priority
    every constructor function before every dynamic initializer; then by place in the text
    (:meth:`~amalint.model.EntryPoint.startup_key`: the unit compiled by clang or gcc)."""
    return tuple(sorted(entries, key=lambda e: e.startup_key(clang)))


def _describe(call: CallSite) -> str:
    if call.note:
        return call.note
    kind = {CallKind.CALL: "calls", CallKind.CONSTRUCT: "constructs",
            CallKind.DESTRUCT: "destroys"}[call.kind]
    return f"{kind} `{call.display}`"


class _Analyzer:
    def __init__(self, model: CodeModel, registry: Registry) -> None:
        self.model = model
        self.registry = registry
        self.memo: dict[str, tuple[_Summary, ...]] = {}
        self.active: set[str] = set()
        self.unresolved: Counter[str] = Counter()
        self.unknown_keys: list[Location] = []

    def summary(self, fid: str) -> tuple[_Summary, ...]:
        """The eager effects of ``fid``, memoized. Call chains may be thousands deep, so the
        recursion into callees runs on an explicit stack of :meth:`_summarize` generators: each
        yields a callee and is sent that callee's summary."""
        stack = [self._summarize(fid)]
        result: tuple[_Summary, ...] | None = None
        while stack:
            try:
                callee = stack[-1].send(result) if result is not None else next(stack[-1])
            except StopIteration as done:
                stack.pop()
                result = done.value
                continue
            result = None
            if callee in self.memo:
                result = self.memo[callee]
            else:
                stack.append(self._summarize(callee))
        assert result is not None
        return result

    def _summarize(self, fid: str) -> Generator[str, tuple[_Summary, ...], tuple[_Summary, ...]]:
        if fid in self.memo:
            return self.memo[fid]
        if fid in self.active:
            return ()
        fn = self.model.functions.get(fid)
        if fn is None:
            return ()
        self.active.add(fid)
        out: list[_Summary] = []
        seen: set[tuple[Role, Key, Location]] = set()

        def add(item: _Summary) -> None:
            ident = (item.role, item.key, item.site)
            if ident not in seen:
                seen.add(ident)
                out.append(item)

        for call in fn.calls:
            if call.deferred:
                continue
            api = self.registry.match(call.names)
            if api is not None:
                arg = call.args[api.key_arg] if api.key_arg < len(call.args) else None
                if arg is None:
                    self.unknown_keys.append(call.location)
                    continue
                shown = f'"{arg}"' if isinstance(arg, str) else "<key>"
                step = Step(call.location, f"`{call.display}({shown})`")
                add(_Summary(api.role, arg, api.name, call.location, (step,),
                             api.optional))
                continue
            if not call.targets:
                self.unresolved[call.display] += 1
                continue
            step = Step(call.location, _describe(call))
            for target in call.targets:
                for inner in (yield target):
                    key = inner.key
                    if isinstance(key, ParamRef):
                        arg = call.args[key.index] if key.index < len(call.args) else None
                        if arg is None:
                            self.unknown_keys.append(inner.site)
                            continue
                        key = arg
                    add(_Summary(inner.role, key, inner.api, inner.site, (step, *inner.chain),
                                 inner.optional))
        self.active.discard(fid)
        result = tuple(out)
        self.memo[fid] = result
        return result


def analyze(model: CodeModel, registry: Registry, clang: bool = False) -> Analysis:
    """Eager effects of every entry point of ``model``, in the order the unit compiled by clang
    (else gcc) runs them."""
    analyzer = _Analyzer(model, registry)
    effects: dict[EntryPoint, tuple[Effect, ...]] = {}
    for entry in model.entry_points:
        found = []
        for item in analyzer.summary(entry.function):
            if isinstance(item.key, ParamRef):
                continue
            head = Step(entry.location, f"{entry.label} runs at start-up")
            found.append(Effect(item.role, item.key, item.api, item.site, (head, *item.chain),
                                item.optional))
        effects[entry] = tuple(found)
    return Analysis(
        order=startup_order(model.entry_points, clang),
        effects=effects,
        unresolved=dict(analyzer.unresolved),
        unknown_keys=tuple(dict.fromkeys(analyzer.unknown_keys)),
    )
