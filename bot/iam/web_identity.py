"""Web identity trusts: which callers a role trusting an OIDC or web identity provider lets in.

A trust in a provider that issues tokens to anyone who signs up (GitHub Actions, GitLab.com,
HCP Terraform, Buildkite, Scalr, Codefresh, Vercel's and Pulumi Cloud's shared issuers, Google,
Cognito identity pools, Facebook, Login with Amazon) admits the whole world unless a condition on
the token pins the caller: the repository or organisation in GitHub's `sub`, the identity pool in
Cognito's `aud`, the client in Google's `aud`. The token's audience alone does not help for the
CI providers, since the workflow chooses it (Vercel and Pulumi Cloud set it to the customer's
team or organization themselves, so there it is the claim that pins). An EKS cluster's issuer
(IRSA) gives a token to every service account of the cluster: a trust that does not pin the
service account in `sub` lets any pod of any namespace in (EKS Best Practices Guide, "Scope the
IAM Role trust policy for IRSA Roles to the service account name"), open to the cluster rather
than the world. Other providers issue tokens to one tenant (a company's own IdP, GitHub
Enterprise's per-enterprise issuer, CircleCI's per-organisation issuer), so they are not judged
open.

Sources: IAM User Guide, "Configuring a role for GitHub OIDC identity provider", "Available keys
for AWS web identity federation" and "Identity-provider controls for shared OIDC providers"
(the shared issuers and the claim each must be pinned by); GitHub's "Configuring OpenID Connect
in Amazon Web Services"; Amazon Cognito, "Role trust and permissions"; AWS STS's
provider-specific claim keys (2026-01: repository, repository_id, actor, job_workflow_ref... for
GitHub).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.iam.matching import has_wildcard

_OIDC_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::\d{12}:oidc-provider/(?P<host>.+)$")

GITHUB = "token.actions.githubusercontent.com"
COGNITO = "cognito-identity.amazonaws.com"


class ConditionLike(Protocol):
    """One key of one condition operator, as the audit's and the linter's readers hold it."""

    @property
    def operator(self) -> str: ...

    @property
    def key(self) -> str: ...

    @property
    def values(self) -> tuple[str, ...]: ...


def provider_host(federated: str) -> str:
    """The provider a Federated principal names: the host (and path) of an IAM OIDC provider
    ARN, or the built-in web identity provider's name, lower-cased."""
    value = federated.strip()
    match = _OIDC_ARN.match(value)
    return (match.group("host") if match else value).lower()


def _wild(text: str) -> bool:
    """Empty or holding a wildcard: a value that fixes nothing."""
    return not text or has_wildcard(text)


def github_subject_breadth(value: str) -> tuple[int, str, str] | None:
    """(rank, scope, words) for a GitHub `sub` broader than one repository's branch or
    environment (scope "any", "owner" or "repository"); None when it pins one.

    GitHub's `sub` is repo:OWNER/REPO:ref:refs/heads/BRANCH (or :environment:NAME, ...); an
    organisation that customised its subject template sends other fields, which pin the caller
    unless they are wildcards."""
    if not value.startswith("repo:"):
        return None if "*" not in value and "?" not in value else (3, "any", "matches any")
    owner_repo, _, rest = value[len("repo:") :].partition(":")
    owner, _, repo = owner_repo.partition("/")
    if _wild(owner):
        return (3, "any", "lets any owner's repositories in")
    if _wild(repo):
        return (2, "owner", f"lets every repository of {owner} in")
    if not rest or rest in ("*", "ref:*") or rest.startswith("*"):
        return (1, "repository", "lets every branch, tag, pull request and environment in")
    return None


def _github_subject_pins(value: str) -> bool:
    breadth = github_subject_breadth(value)
    return breadth is None or breadth[1] != "any"


def _prefixed_pins(prefix: str) -> Callable[[str], bool]:
    """A judge for subjects of the form PREFIX:TENANT[/...]:...: the tenant must be fixed."""

    def pins(value: str) -> bool:
        if not value.startswith(prefix):
            return not _wild(value)
        tenant = value[len(prefix) :].split(":", 1)[0].split("/", 1)[0]
        return not _wild(tenant)

    return pins


def _tenant_pins(value: str) -> bool:
    """KIND:TENANT:... (Scalr's account:NAME:environment:..., Codefresh's account:ID:...): the
    first two fields must be fixed; a value without fields must be fixed."""
    fields = value.split(":", 2)
    return not any(_wild(f) for f in fields[:2])


def _labelled_pins(label: str) -> Callable[[str], bool]:
    """A judge for subjects holding ...:LABEL:TENANT:... (Pulumi's
    pulumi:deploy:org:ORG:project:...): everything up to the tenant must be fixed."""

    def pins(value: str) -> bool:
        if not _wild(value):
            return True
        fields = value.split(":")
        for index, field in enumerate(fields[:-1]):
            if field == label:
                return not any(_wild(f) for f in fields[: index + 2])
        return False

    return pins


def _owner_pins(value: str) -> bool:
    """OWNER/REPO or OWNER/REPO/.github/workflows/...: the owner must be fixed."""
    return not _wild(value.split("/", 1)[0])


def _fixed(value: str) -> bool:
    return not _wild(value.strip())


@dataclass(frozen=True, slots=True)
class PublicProvider:
    """A provider whose tokens anyone can obtain (``reach`` "world"), or every workload of a
    cluster ("cluster"), and the claims that pin who the caller is."""

    name: str
    pinning_claims: dict[str, Callable[[str], bool]]  # claim -> does this value pin?
    remedy: str
    reach: str = "world"
    # Pinning claims that some tokens lack: tested with ...IfExists or ForAllValues they let
    # such a token through, so only a plain positive test of them pins.
    optional_claims: frozenset[str] = frozenset()


_GITHUB_CLAIMS: dict[str, Callable[[str], bool]] = {
    "sub": _github_subject_pins,
    "repository": _owner_pins,
    "repository_owner": _fixed,
    "repository_id": _fixed,
    "repository_owner_id": _fixed,
    "job_workflow_ref": _owner_pins,
    "enterprise_id": _fixed,
    "actor": _fixed,
    "actor_id": _fixed,
}

PUBLIC_PROVIDERS: dict[str, PublicProvider] = {
    GITHUB: PublicProvider(
        "GitHub Actions",
        _GITHUB_CLAIMS,
        f"pin the repository: StringLike {GITHUB}:sub repo:OWNER/REPO:ref:refs/heads/BRANCH"
        " (or :environment:NAME)",
        # GitHub's OIDC reference: enterprise_id is the enterprise that contains the
        # repository, so a token from a repository outside any enterprise has none.
        optional_claims=frozenset({"enterprise_id"}),
    ),
    "gitlab.com": PublicProvider(
        "GitLab.com CI",
        {"sub": _prefixed_pins("project_path:")},
        "pin the project: StringLike gitlab.com:sub"
        " project_path:GROUP/PROJECT:ref_type:branch:ref:BRANCH",
    ),
    "app.terraform.io": PublicProvider(
        "HCP Terraform",
        {"sub": _prefixed_pins("organization:")},
        "pin the workspace: StringLike app.terraform.io:sub"
        " organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:*",
    ),
    # IAM User Guide, "Identity-provider controls for shared OIDC providers": issuers shared by
    # every customer of the service, for which IAM now refuses a new or edited trust that does
    # not test the claim naming the tenant (roles created before keep what they have).
    "agent.buildkite.com": PublicProvider(
        "Buildkite",
        {"sub": _prefixed_pins("organization:")},
        "pin the organization: StringLike agent.buildkite.com:sub"
        " organization:ORG:pipeline:PIPELINE:ref:REF:commit:*:step:*",
    ),
    "scalr.io": PublicProvider(
        "Scalr",
        {"sub": _tenant_pins},
        "pin the account: StringLike scalr.io:sub account:ACCOUNT:environment:ENV:workspace:*",
    ),
    "oidc.codefresh.io": PublicProvider(
        "Codefresh",
        {"sub": _tenant_pins},
        "pin the account: StringLike oidc.codefresh.io:sub account:ACCOUNT_ID:*",
    ),
    "oidc.vercel.com": PublicProvider(
        "Vercel (global issuer)",
        {"aud": _fixed, "sub": _prefixed_pins("owner:")},
        "pin the team: StringEquals oidc.vercel.com:aud https://vercel.com/TEAM_SLUG",
    ),
    "api.pulumi.com/oidc": PublicProvider(
        "Pulumi Cloud",
        {"aud": _fixed, "sub": _labelled_pins("org")},
        "pin the organization: StringEquals api.pulumi.com/oidc:aud YOUR_ORGANIZATION_AUDIENCE",
    ),
    "accounts.google.com": PublicProvider(
        "Google",
        {"aud": _fixed, "oaud": _fixed, "sub": _fixed},
        "pin your OAuth client: StringEquals accounts.google.com:aud CLIENT_ID",
    ),
    COGNITO: PublicProvider(
        "Amazon Cognito identity pools",
        {"aud": _fixed},
        f"pin the identity pool: StringEquals {COGNITO}:aud REGION:POOL_ID",
    ),
    "graph.facebook.com": PublicProvider(
        "Facebook",
        {"app_id": _fixed, "id": _fixed},
        "pin your app: StringEquals graph.facebook.com:app_id APP_ID",
    ),
    "www.amazon.com": PublicProvider(
        "Login with Amazon",
        {"app_id": _fixed, "user_id": _fixed},
        "pin your app: StringEquals www.amazon.com:app_id APP_ID",
    ),
}

_EKS_ISSUER = re.compile(r"^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/id/[^/:]+$")
_SERVICE_ACCOUNT = "system:serviceaccount:"


def _eks_subject_pins(value: str) -> bool:
    """system:serviceaccount:NAMESPACE:NAME pins when the namespace is fixed (a wildcard name
    within one namespace is that namespace's business)."""
    if not value.startswith(_SERVICE_ACCOUNT):
        return not _wild(value)
    return not _wild(value[len(_SERVICE_ACCOUNT) :].split(":", 1)[0])


EKS_CLUSTER = PublicProvider(
    "an EKS cluster's service accounts (IRSA)",
    {"sub": _eks_subject_pins},
    "pin the service account: StringEquals <issuer>:sub system:serviceaccount:NAMESPACE:NAME",
    reach="cluster",
)


def open_provider(provider: str) -> PublicProvider | None:
    """The provider (a lower-case host, as :func:`provider_host` gives) when its tokens reach
    callers a trust must name; None for single-tenant ones."""
    found = PUBLIC_PROVIDERS.get(provider)
    if found is None and _EKS_ISSUER.match(provider):
        return EKS_CLUSTER
    return found


_NEGATED = ("stringnotequals", "stringnotlike")


def base_operator(operator: str) -> str:
    """``ForAnyValue:StringNotLikeIfExists`` -> ``stringnotlike``: the comparison, any set
    qualifier and IfExists set aside (tolerant of names parse_operator would refuse)."""
    return operator.rsplit(":", maxsplit=1)[-1].lower().removesuffix("ifexists")


def _pinning_judge(provider: str, key: str) -> Callable[[str], bool] | None:
    claim_provider, _, claim = key.lower().rpartition(":")
    public = open_provider(provider) if claim_provider == provider else None
    return None if public is None else public.pinning_claims.get(claim)


# Keys of the request that the caller sets itself, or that say when rather than who: a test of
# them admits an outsider who sends what it asks. IAM User Guide, "AWS global condition context
# keys": aws:UserAgent and aws:Referer are "provided by the caller in an HTTP header" (the
# former "should not be used to prevent unauthorized parties from making direct AWS
# requests"), aws:RequestedRegion is the endpoint called, aws:SecureTransport whether it was
# called over TLS, aws:CurrentTime / aws:EpochTime the time. AWS STS API Reference,
# "AssumeRoleWithWebIdentity": RoleSessionName is the caller's own parameter.
CALLER_CHOSEN_KEYS = frozenset(
    {
        "aws:useragent",
        "aws:referer",
        "aws:requestedregion",
        "aws:securetransport",
        "aws:currenttime",
        "aws:epochtime",
        "sts:rolesessionname",
    }
)


def allow_pins_caller(provider: str, conditions: Iterable[ConditionLike]) -> bool:
    """True when an Allow statement's conditions may keep an outsider out: a positive string
    test of a pinning claim whose every value is narrow, or a positive test of a key that is
    not this provider's claim (a network condition, a misspelt or foreign key: the caller does
    not choose it, and a key absent from the request fails the test) and not one the caller
    sets itself (CALLER_CHOSEN_KEYS: the session name, the user agent, the Region...).

    The provider's other claims (the audience, the branch, the environment, Cognito's amr)
    describe the outsider's own workflow or app, so they keep nobody out. Most claims are in
    every token the provider issues, so ``...IfExists`` and the set operators test them as
    plain operators do; an optional one (GitHub's enterprise_id) pins only under a plain
    positive test (IAM User Guide, condition operators: ...IfExists and ForAllValues are true
    when the key is absent)."""
    for entry in conditions:
        claim_provider, _, claim = entry.key.lower().rpartition(":")
        operator = base_operator(entry.operator)
        if claim_provider != provider:
            if _may_restrict(entry.operator) and entry.key.lower() not in CALLER_CHOSEN_KEYS:
                return True
            continue
        public = open_provider(provider)
        judge = public.pinning_claims.get(claim) if public is not None else None
        if judge is None or operator not in ("stringequals", "stringlike"):
            continue
        if (
            public is not None
            and claim in public.optional_claims
            and not _may_restrict(entry.operator)
        ):
            continue  # IfExists / ForAllValues: true for a token without the claim
        if entry.values and all(judge(v) for v in entry.values):
            return True
    return False


def _may_restrict(operator: str) -> bool:
    """A test that fails when its key is absent: not negated, not ...IfExists, not
    ForAllValues (true on an empty set), not Null."""
    lowered = operator.lower()
    base = base_operator(operator)
    return not (
        lowered.endswith("ifexists")
        or lowered.startswith("forallvalues:")
        or base == "null"
        or "not" in base
    )


def deny_pins_caller(provider: str, conditions: Iterable[ConditionLike]) -> bool:
    """True when a Deny statement refuses every caller outside narrow values of pinning claims
    (``Deny unless sub is like repo:org/*``). Its conditions must all be such negated tests: the
    Deny applies only when every one matches, so a test on a value the caller chooses (the
    audience) would let an outsider step around it."""
    entries = list(conditions)
    if not entries:
        return False
    for entry in entries:
        judge = _pinning_judge(provider, entry.key)
        if judge is None or base_operator(entry.operator) not in _NEGATED:
            return False
        if not entry.values or not all(judge(v) for v in entry.values):
            return False
    return True


# Issuers of tokens for build pipelines and workloads, not for people: an account trusting only
# these still signs its people in as IAM users.
_WORKLOAD_ISSUERS = re.compile(
    r"^(?:token\.actions\.githubusercontent\.com(?:/.*)?"
    r"|gitlab\.com"
    r"|app\.terraform\.io"
    r"|oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/id/.+"
    r"|oidc\.circleci\.com/org/.+"
    r"|api\.bitbucket\.org/2\.0/workspaces/.+"
    r"|vstoken\.dev\.azure\.com/.+"
    r"|agent\.buildkite\.com"
    r"|[a-z0-9-]+\.app\.spacelift\.io)$"
)


def is_workload_issuer(federated: str) -> bool:
    """Whether an OIDC provider issues tokens to CI pipelines or clusters rather than people
    (GitHub Actions, GitLab CI, HCP Terraform, EKS, CircleCI, Bitbucket Pipelines, Azure
    DevOps, Buildkite, Spacelift)."""
    return bool(_WORKLOAD_ISSUERS.match(provider_host(federated)))
