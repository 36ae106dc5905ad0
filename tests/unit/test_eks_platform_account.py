"""The full audit of a Kubernetes / containers platform account, as its tools' documents build it.

tests/data/eks_platform/ (gaad.json + credential_report.csv) is written by
tests/data/build_eks_platform_gaad.py from the published documents: the EKS cluster and node
roles, IRSA roles for the AWS Load Balancer Controller, Karpenter, cluster-autoscaler,
ExternalDNS, the EBS CSI driver and cert-manager (each with its project's policy), one IRSA role
whose trust lacks the `sub` condition, EKS Pod Identity roles, the ECS task execution / task /
instance / infrastructure roles, a GitHub Actions deploy role pinned to one repository's main
branch, two IAM Identity Center permission sets and a break-glass user. The AWS-managed policies
are AWS's documents (moto's copy).

The account is audited once, as `iam-audit audit --gaad FILE --credential-report CSV` loads it,
at the tests' fixed clock. Each test states what the documented semantics say the audit should
or should not report:

- what it reports rightly is pinned (check, resource, severity);
- a false alarm or a miss is written as the right behaviour and marked a strict xfail naming the
  cause in our code and the fix.

``test_every_finding_is_accounted_for`` lists every finding of the audit, sorted into true
findings and known false alarms, so a new finding on this account fails until someone judges it.
"""

from __future__ import annotations

import json
from dataclasses import replace

from bot.iam.effective import PermissionIndex
from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.policy import parse_policy
from bot.iam.privesc import can_assume, find_escalations
from bot.model.snapshot import InlinePolicy
from tests.account_support import AuditedAccount
from tests.factories import NOW, audit

ACCOUNT = AuditedAccount("eks_platform")
B = ACCOUNT.builder
FIXTURES = ACCOUNT.fixtures
ACCT = B.ACCT
snapshot, report, index, escalations = (
    ACCOUNT.snapshot,
    ACCOUNT.report,
    ACCOUNT.index,
    ACCOUNT.escalations,
)
found, on, by_check, finding = ACCOUNT.found, ACCOUNT.on, ACCOUNT.by_check, ACCOUNT.finding


def role_arn(name: str) -> str:
    found = [r.arn for r in snapshot().roles if r.name == name]
    assert len(found) == 1, name
    return found[0]


def sso_role(permission_set: str) -> str:
    found = [
        r.arn for r in snapshot().roles if r.name.startswith(f"AWSReservedSSO_{permission_set}_")
    ]
    assert len(found) == 1, permission_set
    return found[0]


def customer_policy(name: str) -> str:
    return f"arn:aws:iam::{ACCT}:policy/{name}"


def managed(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::aws:policy{path}{name}"


CLUSTER_ROLE = role_arn(B.CLUSTER_ROLE)
NODE_ROLE = role_arn(B.NODE_ROLE)
KARPENTER_NODE = role_arn(B.KARPENTER_NODE_ROLE)
KARPENTER = role_arn(f"KarpenterControllerRole-{B.CLUSTER}")
LB_CONTROLLER = role_arn("AmazonEKSLoadBalancerControllerRole")
AUTOSCALER = role_arn("AmazonEKSClusterAutoscalerRole")
EXTERNAL_DNS = role_arn("external-dns")
EBS_CSI = role_arn("AmazonEKS_EBS_CSI_DriverRole")
CERT_MANAGER = role_arn("cert-manager")
OPEN_IRSA = role_arn(B.OPEN_IRSA_ROLE)
ORDERS_POD = role_arn(B.POD_IDENTITY_ROLES[0])
ADOT_POD = role_arn(B.POD_IDENTITY_ROLES[1])
TASK_EXECUTION = role_arn("ecsTaskExecutionRole")
TASK_ROLE = role_arn("orders-worker-task-role")
ECS_INSTANCE = role_arn("ecsInstanceRole")
ECS_INFRASTRUCTURE = role_arn("ecsInfrastructureRole")
GITHUB_DEPLOY = role_arn(B.GITHUB_DEPLOY_ROLE)
SSO_ADMIN = sso_role("AdministratorAccess")
SSO_DEVELOPER = sso_role("PlatformDeveloper")
BREAK_GLASS = f"arn:aws:iam::{ACCT}:user/{B.BREAK_GLASS}"
ROOT = f"arn:aws:iam::{ACCT}:root"

LBC_POLICY = customer_policy("AWSLoadBalancerControllerIAMPolicy")
KARPENTER_POLICY = customer_policy(f"KarpenterControllerPolicy-{B.CLUSTER}")
AUTOSCALER_POLICY = customer_policy("AmazonEKSClusterAutoscalerPolicy")
EXTERNAL_DNS_POLICY = customer_policy("AllowExternalDNSUpdates")
CERT_MANAGER_POLICY = customer_policy("cert-manager-route53")

SERVICE_NAME = "iam:AWSServiceName"
WELL_SCOPED_IRSA = (LB_CONTROLLER, KARPENTER, AUTOSCALER, EXTERNAL_DNS, EBS_CSI, CERT_MANAGER)


def lint_entries(policy_arn: str) -> dict[int, list[dict]]:
    """Statement index -> the linter's entries for it, from the policy.lint evidence."""
    entries: dict[int, list[dict]] = {}
    for entry in finding("policy.lint", policy_arn).evidence["lint_findings"]:
        entries.setdefault(entry["statement"], []).append(entry)
    return entries


def held(principal: str, method_id: str):
    assert principal in escalations(), principal
    methods = {m.method.id: m for m in escalations()[principal].methods}
    assert method_id in methods, sorted(methods)
    return methods[method_id]


# --- the fixture ---------------------------------------------------------------------------------


def test_fixture_matches_its_builder():
    ACCOUNT.assert_fixtures_match_builder()


def test_fixture_has_the_documented_trusts():
    gaad = json.loads((FIXTURES / B.GAAD_FILE).read_text())
    roles = {r["RoleName"]: r for r in gaad["RoleDetailList"]}
    issuer = B.OIDC_ISSUER
    assert issuer.startswith("oidc.eks.eu-west-1.amazonaws.com/id/")
    assert len(B.OIDC_ID) == 32
    for name, (namespace, account), _policy in B.IRSA_ROLES:
        statement = roles[name]["AssumeRolePolicyDocument"]["Statement"][0]
        assert statement["Principal"] == {"Federated": B.OIDC_PROVIDER_ARN}
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Condition"] == {
            "StringEquals": {
                f"{issuer}:sub": f"system:serviceaccount:{namespace}:{account}",
                f"{issuer}:aud": "sts.amazonaws.com",
            }
        }
    open_statement = roles[B.OPEN_IRSA_ROLE]["AssumeRolePolicyDocument"]["Statement"][0]
    assert open_statement["Condition"] == {"StringEquals": {f"{issuer}:aud": "sts.amazonaws.com"}}
    for name in B.POD_IDENTITY_ROLES:
        statement = roles[name]["AssumeRolePolicyDocument"]["Statement"][0]
        assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
        assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    attached = {
        p["PolicyArn"]
        for e in (*gaad["RoleDetailList"], *gaad["UserDetailList"])
        for p in e["AttachedManagedPolicies"]
    }
    assert attached == {p["Arn"] for p in gaad["Policies"]}
    assert managed("AmazonEBSCSIDriverPolicy", "/service-role/") in attached
    for entity, prefix in (
        *((r, "AROA") for r in gaad["RoleDetailList"]),
        *((u, "AIDA") for u in gaad["UserDetailList"]),
    ):
        key = "RoleId" if prefix == "AROA" else "UserId"
        assert entity[key].startswith(prefix)
        assert len(entity[key]) == 21


def test_audit_has_no_errors_and_its_json_report_is_well_formed():
    ACCOUNT.assert_report_is_clean_json()


# --- every finding, judged -----------------------------------------------------------------------

TRUE_FINDINGS: dict[tuple[str, str], str] = {
    # Every pod of the cluster may assume it (no `sub`): open to the cluster, not the world.
    ("role.trust_web_identity_unscoped", OPEN_IRSA): "high",
    # Administrators: the Identity Center admin permission set and the break-glass user.
    ("principal.admin_equivalent", SSO_ADMIN): "high",
    ("identity.aws_admin_attached", SSO_ADMIN): "high",
    ("principal.admin_equivalent", BREAK_GLASS): "critical",
    ("identity.aws_admin_attached", BREAK_GLASS): "high",
    ("policy.admin_star", managed("AdministratorAccess")): "high",
    ("user.direct_policies", BREAK_GLASS): "low",
    ("user.not_in_group", BREAK_GLASS): "low",
    ("root.mfa_disabled", ROOT): "critical",
    ("role.support_missing", ROOT): "low",
    # Karpenter may pass its node role, which reads what the controller cannot (see below).
    ("principal.privilege_escalation", KARPENTER): "high",
    # checks.md's credential-returning list names ecr:GetAuthorizationToken: every role that
    # pulls or pushes images holds it on `*` (no resource-level permission exists for it).
    **{
        ("principal.credentials_exposure", arn): "high"
        for arn in (NODE_ROLE, KARPENTER_NODE, ECS_INSTANCE, TASK_EXECUTION, GITHUB_DEPLOY)
    },
    # AmazonSSMManagedInstanceCore: ssm:GetParameter(s) on every parameter of the account.
    ("principal.data_exfiltration", NODE_ROLE): "medium",
    ("principal.data_exfiltration", KARPENTER_NODE): "medium",
    # The projects' policies, linted.
    ("policy.lint", LBC_POLICY): "medium",
    ("policy.lint", EXTERNAL_DNS_POLICY): "medium",
    ("policy.lint", AUTOSCALER_POLICY): "medium",
    ("policy.lint", KARPENTER_POLICY): "low",
    ("policy.lint", CERT_MANAGER_POLICY): "low",
}

# False alarms the audit still raises; each has a strict xfail below.
FALSE_ALARMS: set[tuple[str, str]] = set()

# Findings the audit misses; each has a strict xfail below (they may appear as they are fixed).
KNOWN_MISSES = {
    ("principal.data_exfiltration", SSO_DEVELOPER),
}


def test_every_finding_is_accounted_for():
    """Every true finding is reported at its severity, and nothing beyond the true findings,
    the known false alarms (which may disappear as they are fixed) and the known misses (which
    may appear)."""
    actual = found()
    missing = {k: v for k, v in TRUE_FINDINGS.items() if actual.get(k) != v}
    assert missing == {}, {k: (v, actual.get(k)) for k, v in missing.items()}
    unexplained = set(actual) - set(TRUE_FINDINGS) - FALSE_ALARMS - KNOWN_MISSES
    assert unexplained == set()


def test_what_a_gaad_cannot_tell_is_skipped_not_passed():
    skipped = {s.check_id for s in report().skipped}
    assert {"password_policy.missing", "federation.none", "analyzer.disabled"} <= skipped
    assert not skipped & {c for c, _ in found()}


# --- EKS cluster and node roles ------------------------------------------------------------------


def test_cluster_role_is_clean():
    """AmazonEKSClusterPolicy grants EKS what it needs; eks.amazonaws.com reaches the role only
    when someone of the account passes it to CreateCluster, so its trust needs no source
    condition, and sts:TagSession beside sts:AssumeRole opens nothing."""
    assert on(CLUSTER_ROLE) == {}
    assert on(managed("AmazonEKSClusterPolicy")) == {}
    assert CLUSTER_ROLE not in escalations()


def test_node_roles_are_reported_for_what_aws_prescribes_at_checks_md_severities():
    """The four policies AWS's node-role page prescribes: ECR's token on `*` (credentials
    exposure, high, as checks.md lists it) and AmazonSSMManagedInstanceCore's
    ssm:GetParameter(s) on `*` (data exfiltration, medium: any pod reaching the instance
    metadata service reads every parameter of the account). AmazonEKS_CNI_Policy (ENI
    management on `*`) and AmazonEKSWorkerNodePolicy (describe calls) add nothing: no escalation,
    no admin, no lint of AWS-managed documents."""
    expected = {
        "principal.credentials_exposure": "high",
        "principal.data_exfiltration": "medium",
    }
    for arn in (NODE_ROLE, KARPENTER_NODE):
        assert on(arn) == expected, arn
        assert finding("principal.credentials_exposure", arn).evidence["actions"] == [
            "ecr:GetAuthorizationToken"
        ]
        assert finding("principal.data_exfiltration", arn).evidence["actions"] == [
            "ssm:GetParameter",
            "ssm:GetParameters",
        ]
        assert arn not in escalations()
    for policy in B.NODE_POLICIES:
        assert on(managed(policy)) == {}, policy


def test_node_roles_pull_through_cache_grant_is_not_unrestricted():
    """ECR's pull-through page: ecr:CreateRepository and BatchImportUpstreamImage on the
    ecr-public/ prefix only; no finding of its own and no lint."""
    idx = index()
    assert idx[NODE_ROLE].can(
        "ecr:CreateRepository", f"arn:aws:ecr:{B.REGION}:{ACCT}:repository/ecr-public/nginx"
    )
    assert not idx[NODE_ROLE].can(
        "ecr:CreateRepository", f"arn:aws:ecr:{B.REGION}:{ACCT}:repository/payments"
    )
    assert not any(arn.endswith("#inline/ecr-pull-through-cache") for (_c, arn) in found())


# --- IRSA ----------------------------------------------------------------------------------------


def test_well_scoped_irsa_trusts_are_not_reported():
    """The documented `sub` + `aud` pair pins one service account of one cluster: no trust
    check names these roles, and no IAM principal of the account can assume them."""
    trust_checks = {
        "role.trust_any_principal",
        "role.trust_cross_account_unguarded",
        "role.trust_confused_deputy",
        "role.trust_web_identity_unscoped",
        "role.cross_account_readonly",
    }
    idx = index()
    for arn in WELL_SCOPED_IRSA:
        assert not set(on(arn)) & trust_checks, arn
        role = next(r for r in snapshot().roles if r.arn == arn)
        for principal in (BREAK_GLASS, SSO_ADMIN, GITHUB_DEPLOY, NODE_ROLE):
            assert can_assume(idx[principal], role, idx) is None, (principal, arn)


def test_irsa_trust_without_sub_is_reported():
    """EKS Best Practices Guide, "Scope the IAM Role trust policy for IRSA Roles to the service
    account name": a trust testing only `aud` (always sts.amazonaws.com for IRSA tokens) lets
    every pod of every namespace of the cluster assume the role. Not the whole world, as an
    open GitHub trust is, but any workload or tenant that can create a service account."""
    result = finding("role.trust_web_identity_unscoped", OPEN_IRSA)
    assert result.severity.value in ("high", "critical")
    assert [s["statement_index"] for s in result.evidence["statements"]] == [0]
    assert result.evidence["statements"][0]["federated"] == B.OIDC_PROVIDER_ARN


def test_open_irsa_role_is_otherwise_silent():
    """Its permissions (one bucket's objects) are modest: nothing but the trust is wrong, so
    the trust finding above is the only one the role should get."""
    assert set(on(OPEN_IRSA)) <= {"role.trust_web_identity_unscoped"}
    assert not index()[OPEN_IRSA].can("s3:GetObject", "arn:aws:s3:::other-bucket/key")


def test_controllers_with_their_published_policies_do_not_escalate():
    """The LB controller, cluster-autoscaler, ExternalDNS, the EBS CSI driver and cert-manager
    hold no iam:PassRole and no IAM write beyond the ELB service-linked role (conditioned on
    iam:AWSServiceName), so none holds an escalation method; nor do they reach admin."""
    for arn in (LB_CONTROLLER, AUTOSCALER, EXTERNAL_DNS, EBS_CSI, CERT_MANAGER):
        assert on(arn) == {}, arn
        assert arn not in escalations(), arn
    assert on(managed("AmazonEBSCSIDriverPolicy", "/service-role/")) == {}


def test_lb_controller_policy_creates_only_elbs_and_only_cluster_tagged_ones():
    """AWS's evaluator on the published policy: the ELB service-linked role and nothing else;
    load balancers only with the elbv2.k8s.aws/cluster request tag; deletion only of
    load balancers carrying it."""
    policies = PolicySet(identity=[parse_policy(B.load_balancer_controller_policy(), name="lbc")])

    def decision(action: str, resource: str, context: dict) -> str:
        request = Request(LB_CONTROLLER, action, resource, None, context)
        return Evaluator(policies).evaluate(request).decision

    slr = f"arn:aws:iam::{ACCT}:role/aws-service-role/{{}}/X"
    elb = "elasticloadbalancing.amazonaws.com"
    assert decision("iam:CreateServiceLinkedRole", slr.format(elb), {SERVICE_NAME: elb}) == (
        "allowed"
    )
    ssm = "ssm.amazonaws.com"
    assert decision("iam:CreateServiceLinkedRole", slr.format(ssm), {SERVICE_NAME: ssm}) != (
        "allowed"
    )
    lb = f"arn:aws:elasticloadbalancing:{B.REGION}:{ACCT}:loadbalancer/app/k8s-web/0123456789abcdef"
    tag = "elbv2.k8s.aws/cluster"
    assert decision("elasticloadbalancing:CreateLoadBalancer", lb, {}) != "allowed"
    created = {f"aws:RequestTag/{tag}": B.CLUSTER, "aws:TagKeys": [tag]}
    assert decision("elasticloadbalancing:CreateLoadBalancer", lb, created) == "allowed"
    assert decision("elasticloadbalancing:DeleteLoadBalancer", lb, {}) != "allowed"
    owned = {f"aws:ResourceTag/{tag}": B.CLUSTER}
    assert decision("elasticloadbalancing:DeleteLoadBalancer", lb, owned) == "allowed"


# --- Karpenter -----------------------------------------------------------------------------------


def test_karpenter_passes_only_its_node_role_to_ec2():
    """Karpenter's AllowPassingInstanceRole: iam:PassRole on KarpenterNodeRole-<cluster> for
    ec2.amazonaws.com. The methods found (ec2-001, and ec2-007 through its instance-profile
    permissions) pass that role and no other: not the managed node group's role, not the ECS
    instance role, not an admin role."""
    method = held(KARPENTER, "ec2-001")
    assert method.direct
    passed = {a.resource for a in method.accesses if a.action == "iam:PassRole"}
    assert passed == {KARPENTER_NODE}
    # Karpenter also manages instance profiles (iam:AddRoleToInstanceProfile, tag-scoped):
    # ec2-007 puts the same node role in the profile of an instance it launched, nothing more.
    assert set(escalations()[KARPENTER].method_ids) == {"ec2-001", "ec2-007"}
    swap = held(KARPENTER, "ec2-007")
    assert {a.resource for a in swap.accesses if a.action == "iam:PassRole"} == {KARPENTER_NODE}
    idx = index()
    for other in (NODE_ROLE, ECS_INSTANCE, SSO_ADMIN):
        assert not idx[KARPENTER].can("iam:PassRole", other), other


def test_karpenter_escalation_is_real_because_the_node_role_reads_what_the_controller_cannot():
    """privesc.md counts passing a role that is "more privileged than the holder" (allowed
    some action the holder is not). The node role AWS prescribes is: ssm:GetParameter on every
    parameter (the controller reads only /aws/service/*), ecr:GetAuthorizationToken and image
    pulls, ENI changes on any instance. A node launched by a stolen controller token reads
    them all, and joins the cluster as a node."""
    idx = index()
    parameter = f"arn:aws:ssm:{B.REGION}:{ACCT}:parameter/orders/db-password"
    assert idx[KARPENTER_NODE].can("ssm:GetParameter", parameter)
    assert not idx[KARPENTER].can("ssm:GetParameter", parameter)
    assert idx[KARPENTER].can(
        "ssm:GetParameter", f"arn:aws:ssm:{B.REGION}::parameter/aws/service/eks/optimized-ami"
    )
    assert finding("principal.privilege_escalation", KARPENTER).evidence["targets"][
        "iam:PassRole"
    ] == (KARPENTER_NODE)


def test_karpenter_passing_a_node_role_no_richer_than_itself_is_no_escalation():
    """The counterfactual: a node role holding only what the controller holds already
    (eks:DescribeCluster on the cluster) gives nothing new, so ec2-001 is not held, even
    though the controller may still pass it to RunInstances."""
    minimal = InlinePolicy(
        "describe-cluster",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "eks:DescribeCluster", "Resource": B.CLUSTER_ARN}
            ],
        },
    )
    roles = tuple(
        replace(r, attached_policies=(), inline_policies=(minimal,))
        if r.arn == KARPENTER_NODE
        else r
        for r in snapshot().roles
    )
    poorer = replace(snapshot(), roles=roles)
    idx = PermissionIndex(poorer, NOW)
    assert idx[KARPENTER].can("iam:PassRole", KARPENTER_NODE)
    assert KARPENTER not in find_escalations(idx)


def test_karpenter_tag_conditions_are_assumed_satisfiable_not_ignored():
    """RunInstances / CreateFleet on instances need the cluster's `owned` tag and a nodepool
    tag in the request: the caller sets them, so they do not protect (privesc.md), and the
    evidence says so instead of hiding it."""
    assumptions = finding("principal.privilege_escalation", KARPENTER).evidence["assumptions"]
    assert any("AllowScopedEC2InstanceActionsWithTags" in a for a in assumptions)
    assert any("iam:PassedToService" in a for a in assumptions)


def test_karpenter_resource_tag_scoped_instance_profile_grant_is_informational():
    """Statement 12 (Add/RemoveRoleToInstanceProfile, DeleteInstanceProfile on `*`) is scoped
    by StringEquals aws:ResourceTag/kubernetes.io/cluster/<cluster>: information only. The
    policy's low comes from iam:CreateInstanceProfile on `*` (statement 10), which could name
    the profiles Karpenter creates (<cluster>_<hash>) instead. Its StringLike
    aws:ResourceTag/karpenter.sh/nodeclass '*' gets Access Analyzer's "Equivalent to null
    false" suggestion (information): it only tests that the tag is there, as Null false says."""
    entries = lint_entries(KARPENTER_POLICY)
    by_code = {e["code"]: e for e in entries[12]}
    assert [e["severity"] for e in entries[12]] == ["info", "info"]
    assert by_code["REDUNDANT_CONDITION_VALUE"]["detail"]["kind"] == "equivalent_to_null"
    assert (
        "aws:ResourceTag/kubernetes.io/cluster/platform-prod"
        in by_code["WILDCARD_SENSITIVE"]["detail"]["scoped_by"]
    )
    assert sorted((e["code"], e["severity"]) for e in entries[10]) == [
        ("REDUNDANT_CONDITION_VALUE", "info"),  # StringLike aws:RequestTag/... '*', as above
        ("WILDCARD_SENSITIVE", "low"),
    ]
    # Statements 1-4 and 11 get only that information; nothing else in the policy is flagged.
    assert {k: {e["severity"] for e in v} for k, v in entries.items() if k not in (10, 12)} == {
        k: {"info"} for k in (1, 2, 3, 4, 11)
    }


# --- the projects' policies, linted --------------------------------------------------------------


def test_lb_controller_policy_is_medium_for_its_unconditioned_grants():
    """The published policy lets the controller authorize ingress on every security group of
    the account (statement 3, no condition), create security groups, listeners and rules, and
    associate any WAF ACL: those are what make it medium, and they are real."""
    entries = lint_entries(LBC_POLICY)
    for index_ in (2, 3, 4, 9):
        assert [e["severity"] for e in entries[index_]] == ["medium"], index_
    assert "ec2:AuthorizeSecurityGroupIngress" in entries[3][0]["detail"]["actions"]


def test_lb_controller_tag_scoped_statements_are_informational():
    """Statement 0's iam:CreateServiceLinkedRole on `*` is fixed to ELB's role by
    iam:AWSServiceName, the IAM User Guide's documented way to grant it: information.
    Statements 7 and 12 act on resources carrying elbv2.k8s.aws/cluster with any value (a
    Null test): like StringLike `*` on a tag, any resource someone tagged so is in, so the
    linter keeps its low "name the resources instead" (tests/unit/test_lint_scoped_wildcards.py
    pins that rule); Karpenter's StringEquals on a tag value is what it calls information."""
    entries = lint_entries(LBC_POLICY)
    assert [e["severity"] for e in entries[0]] == ["info"]
    for index_ in (7, 12):
        assert [e["severity"] for e in entries[index_]] == ["low"], index_


def test_cluster_autoscaler_readme_action_typo_is_caught():
    """The README's policy lists ec2:GetInstanceTypesFromInstanceRequirementsPages, an SDK
    paginator's name: IAM has no such action, so the grant it meant is missing."""
    entries = lint_entries(AUTOSCALER_POLICY)[0]
    unknown = [e for e in entries if e["code"] == "UNKNOWN_ACTION"]
    assert len(unknown) == 1
    assert unknown[0]["detail"]["suggestions"] == ["ec2:GetInstanceTypesFromInstanceRequirements"]
    wildcard = [e for e in entries if e["code"] == "WILDCARD_SENSITIVE"]
    assert wildcard[0]["detail"]["actions"] == [
        "autoscaling:SetDesiredCapacity",
        "autoscaling:TerminateInstanceInAutoScalingGroup",
    ]


def test_route53_policies_every_zone_is_medium_unless_limited_to_txt_records():
    """ExternalDNS's tutorial grants ChangeResourceRecordSets on every hosted zone (medium:
    its own docs suggest naming the zones); cert-manager's adds the TXT-only condition of its
    docs, which the linter credits (low)."""
    dns = lint_entries(EXTERNAL_DNS_POLICY)
    assert [e["severity"] for e in dns[0]] == ["medium"]
    acme = lint_entries(CERT_MANAGER_POLICY)
    assert [e["severity"] for e in acme[1]] == ["low"]
    assert acme[1][0]["detail"]["has_conditions"] is True


# --- EKS Pod Identity ----------------------------------------------------------------------------


def test_pod_identity_roles_are_not_confused_deputies():
    """EKS User Guide, pod-id-role.html: the documented trust is pods.eks.amazonaws.com with
    sts:AssumeRole + sts:TagSession, restricted (if at all) by the session tags Pod Identity
    sets. The service assumes a role only for a Pod Identity association, and
    CreatePodIdentityAssociation requires iam:PassRole on the role in the cluster's account:
    another customer cannot make EKS use it, exactly as for ecs-tasks or ec2."""
    for arn in (ORDERS_POD, ADOT_POD):
        assert "role.trust_confused_deputy" not in on(arn), arn


def test_pod_identity_roles_grant_only_their_workloads_needs():
    for arn in (ORDERS_POD, ADOT_POD):
        assert set(on(arn)) <= {"role.trust_confused_deputy"}, arn
        assert arn not in escalations()
    idx = index()
    assert idx[ORDERS_POD].can("dynamodb:PutItem", B.ORDERS_TABLE)
    assert not idx[ORDERS_POD].can("dynamodb:DeleteTable", B.ORDERS_TABLE)


# --- ECS -----------------------------------------------------------------------------------------


def test_ecs_task_roles_are_judged_on_what_they_grant():
    """The task execution role's AWS policy gives ECR's token on `*` (credentials exposure, as
    in the landing-zone account); its secrets statement names one secret and one key, so it is
    not data exfiltration. The task role's trust carries the aws:SourceArn / aws:SourceAccount
    conditions the task-role page recommends, and its grants name one queue and one table."""
    assert on(TASK_EXECUTION) == {"principal.credentials_exposure": "high"}
    idx = index()
    assert idx[TASK_EXECUTION].can("secretsmanager:GetSecretValue", B.ORDERS_SECRET)
    assert not idx[TASK_EXECUTION].can(
        "secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{B.REGION}:{ACCT}:secret:x"
    )
    assert on(TASK_ROLE) == {}


def test_ecs_instance_role_is_reported_like_the_node_roles():
    assert on(ECS_INSTANCE) == {"principal.credentials_exposure": "high"}
    assert ECS_INSTANCE not in escalations()


def test_ecs_infrastructure_role_is_not_a_confused_deputy():
    """ECS Developer Guide, infrastructure_IAM_role.html: the role is handed to ECS in a
    service's or task's volume configuration (or a capacity provider), each needing
    iam:PassRole by a principal of this account: no other customer can point ECS at it."""
    assert "role.trust_confused_deputy" not in on(ECS_INFRASTRUCTURE)


# --- GitHub Actions ------------------------------------------------------------------------------


def test_github_deploy_role_pinned_to_main_is_not_an_open_trust():
    """GitHub's OIDC guide: StringEquals sub repo:<org>/<repo>:ref:refs/heads/main pins one
    branch of one repository. Its only finding is ECR's token on `*`, which pushing needs."""
    assert on(GITHUB_DEPLOY) == {"principal.credentials_exposure": "high"}
    assert GITHUB_DEPLOY not in escalations()


def test_github_trust_without_repository_would_be_critical():
    """The counterfactual the pinned trust avoids: the same role with only the `aud` test
    accepts every workflow on GitHub."""
    roles = tuple(
        replace(
            r,
            trust_policy={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": B.GITHUB_PROVIDER_ARN},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {
                            "StringEquals": {
                                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                            }
                        },
                    }
                ],
            },
        )
        if r.arn == GITHUB_DEPLOY
        else r
        for r in snapshot().roles
    )
    result = audit(replace(snapshot(), roles=roles), only=["role.trust_web_identity_unscoped"])
    assert {(f.check_id, f.resource_arn, f.severity.value) for f in result.findings} == {
        ("role.trust_web_identity_unscoped", GITHUB_DEPLOY, "critical"),
        # The open IRSA trust: every pod of the cluster, not the world.
        ("role.trust_web_identity_unscoped", OPEN_IRSA, "high"),
    }


def test_workload_oidc_providers_do_not_count_as_people_federation():
    """The EKS and GitHub OIDC providers sign in pipelines and pods, not people: with only
    them, the break-glass console user still makes federation.none fire; Identity Center's
    SAML provider silences it."""
    workloads = replace(snapshot(), saml_providers=(), oidc_providers=B.OIDC_PROVIDERS)
    assert [f.check_id for f in audit(workloads, only=["federation.none"]).findings] == [
        "federation.none"
    ]
    people = replace(workloads, saml_providers=(B.SAML_PROVIDER_ARN,))
    assert audit(people, only=["federation.none"]).findings == ()


# --- people --------------------------------------------------------------------------------------


def test_identity_center_admin_is_one_admin_door():
    assert on(SSO_ADMIN) == {
        "principal.admin_equivalent": "high",
        "identity.aws_admin_attached": "high",
    }


def test_developer_permission_set_neither_escalates_nor_administers():
    """EKS's console policy (view-kubernetes-resources.html): eks:Describe*/List* and
    eks:AccessKubernetesApi on `*`, iam:ListRoles; what the developer may do inside the
    cluster is the access entry's business, not IAM's."""
    assert SSO_DEVELOPER not in escalations()
    assert "principal.admin_equivalent" not in on(SSO_DEVELOPER)
    assert "policy.lint" not in {c for (c, arn) in found() if arn.startswith(SSO_DEVELOPER)}
    assert index()[SSO_DEVELOPER].can("eks:AccessKubernetesApi", B.CLUSTER_ARN)


def test_developer_reading_every_parameter_of_the_account_is_not_every_parameter():
    """The EKS console policy's second statement, ssm:GetParameter on
    arn:aws:ssm:*:<account>:parameter/*, reads every parameter of this account but not another
    account's, which the node role's `*` may. AWS calls a grant scoped to the account's own
    resources the least-privilege fix, not "all" (Security Hub KMS.1: "allow kms:Decrypt only
    on keys in a particular Region for your account"), so principal.data_exfiltration stays
    quiet; a pattern with no account to scope (`arn:aws:s3:::*`) is every resource and is
    reported (test_data_platform_account, the "Any S3 bucket" execution role)."""
    assert "principal.data_exfiltration" not in on(SSO_DEVELOPER)
    covers = index().type_wide_test.covers
    assert covers("ssm:getparameter", ("arn:aws:ssm:*:*:parameter/*",))
    assert not covers("ssm:getparameter", (f"arn:aws:ssm:*:{ACCT}:parameter/*",))


def test_break_glass_user_is_a_critical_administrator_with_mfa():
    assert on(BREAK_GLASS) == {
        "principal.admin_equivalent": "critical",
        "identity.aws_admin_attached": "high",
        "user.direct_policies": "low",
        "user.not_in_group": "low",
    }


def test_service_linked_roles_are_never_flagged():
    slr = {r.arn for r in snapshot().roles if r.is_service_linked}
    assert len(slr) == len(B.SERVICE_LINKED)
    assert {arn for (_c, arn) in found()} & slr == set()
    assert not set(escalations()) & slr
