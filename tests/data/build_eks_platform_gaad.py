"""Build tests/data/eks_platform/: a Kubernetes / containers platform account, as tools create it.

``gaad.json`` is what `aws iam get-account-authorization-details` returns for a workload account
(123456789012) that runs one Amazon EKS cluster (``platform-prod``, eu-west-1) and a few Amazon
ECS services, set up the way platform teams do it from the published documents:

- the EKS cluster role and managed node group role, and the cluster's IAM OIDC provider;
- IRSA roles (IAM roles for service accounts) trusting that provider with the documented
  ``sub`` / ``aud`` conditions, for the AWS Load Balancer Controller, Karpenter's controller,
  cluster-autoscaler, ExternalDNS, the EBS CSI driver and cert-manager, each with the policy its
  project publishes; and one IRSA role whose trust has only the ``aud`` condition (no ``sub``),
  so that every service account of the cluster may assume it;
- EKS Pod Identity roles (pods.eks.amazonaws.com, sts:AssumeRole + sts:TagSession);
- ECS: ecsTaskExecutionRole, a task role, ecsInstanceRole and the ECS infrastructure role;
- a GitHub Actions OIDC deploy role pinned to one repository's main branch, pushing images to
  ECR and describing the cluster for kubectl;
- people: two IAM Identity Center permission-set roles and a break-glass IAM user;
- the service-linked roles EKS, ECS, EC2 Spot, ELB and Auto Scaling create.

``credential_report.csv`` is the matching `aws iam get-credential-report` (decoded).

Every role is written from the page or file cited beside it. The AWS-managed policies' documents
are those moto (the AWS mock library installed in the venv) ships in
moto/iam/aws_managed_policies.py, itself a copy of AWS's published versions; ``MOTO_VERSION``
records the copy used. Customer-managed and inline policies are transcribed from the project
that publishes them, with the account, region and cluster filled in.

Ids are derived from names, so the files are the same on every run. Dates are fixed, relative
to the tests' clock (tests/factories.py NOW = 2026-11-29T12:00:00Z).

Run ``.venv/bin/python tests/data/build_eks_platform_gaad.py`` after changing this file;
tests/unit/test_eks_platform_account.py checks the files match it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# The sibling module, whether this runs as a script or is loaded by path from a test.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from gaad_fixtures import (
    attachment_counts,
    aws_managed_version,
    hex_suffix,
    moto_managed,
    policy_entry,
    report_csv,
    role_entry,
    unique_id,
    write_fixtures,
)

OUTPUT_DIR = Path(__file__).with_name("eks_platform")
GAAD_FILE = "gaad.json"
CREDENTIAL_REPORT_FILE = "credential_report.csv"
MOTO_VERSION = "5.2.6"

ACCT = "123456789012"
REGION = "eu-west-1"
SSO_REGION = "eu-west-1"
CLUSTER = "platform-prod"
CLUSTER_ARN = f"arn:aws:eks:{REGION}:{ACCT}:cluster/{CLUSTER}"
GITHUB_ORG = "example-org"
GITHUB_REPO = "platform-apps"

ACCOUNT_CREATED = "2024-09-02T08:00:00Z"
CLUSTER_CREATED = "2025-05-12T09:30:00Z"  # `eksctl create cluster` / Terraform apply day
ADDONS_INSTALLED = "2025-05-12T10:15:00Z"  # controllers installed right after
ECS_CREATED = "2025-02-03T14:00:00Z"
SSO_PROVISIONED = "2024-09-03T10:00:00Z"
RECENT = "2026-11-29T09:00:00Z"  # last used this morning


# Amazon EKS User Guide, "Create an IAM OIDC provider for your cluster"
# (https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html):
# the issuer is https://oidc.eks.<region>.amazonaws.com/id/<32 upper-case hex characters>, and
# the provider's ARN is arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.../id/<ID>.
OIDC_ID = hex_suffix("platform-prod-oidc", 32).upper()
OIDC_ISSUER = f"oidc.eks.{REGION}.amazonaws.com/id/{OIDC_ID}"
OIDC_PROVIDER_ARN = f"arn:aws:iam::{ACCT}:oidc-provider/{OIDC_ISSUER}"
# IAM User Guide, "Configuring a role for GitHub OIDC identity provider"
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub).
GITHUB_PROVIDER_ARN = f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"
OIDC_PROVIDERS = (OIDC_PROVIDER_ARN, GITHUB_PROVIDER_ARN)

SAML_PROVIDER = f"AWSSSO_{hex_suffix('saml-provider')}_DO_NOT_DELETE"
SAML_PROVIDER_ARN = f"arn:aws:iam::{ACCT}:saml-provider/{SAML_PROVIDER}"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any, *, sid: str | None = None, **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if sid:
        statement = {"Sid": sid, **statement}
    statement.update(extra)
    return statement


def trust(principal: dict[str, Any], action: Any = "sts:AssumeRole", **extra: Any):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    statement.update(extra)
    return statement


def service_trust(service: str, action: Any = "sts:AssumeRole", **extra: Any) -> dict[str, Any]:
    return doc(trust({"Service": service}, action, **extra))


def irsa_trust(namespace: str | None, service_account: str | None) -> dict[str, Any]:
    """Amazon EKS User Guide, "Assign IAM roles to Kubernetes service accounts"
    (https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html):
    Federated the cluster's OIDC provider, sts:AssumeRoleWithWebIdentity, StringEquals
    <issuer>:sub system:serviceaccount:<namespace>:<name> and <issuer>:aud sts.amazonaws.com.
    With ``namespace=None`` only the ``aud`` test is written (the misconfiguration)."""
    condition = {f"{OIDC_ISSUER}:aud": "sts.amazonaws.com"}
    if namespace is not None:
        condition = {
            f"{OIDC_ISSUER}:sub": f"system:serviceaccount:{namespace}:{service_account}",
            **condition,
        }
    return doc(
        trust(
            {"Federated": OIDC_PROVIDER_ARN},
            "sts:AssumeRoleWithWebIdentity",
            Condition={"StringEquals": condition},
        )
    )


# --- AWS-managed policies (moto's copy of AWS's documents) ---------------------------------------


def managed_arn(name: str) -> str:
    if name in CUSTOMER_POLICIES:
        return f"arn:aws:iam::{ACCT}:policy/{name}"
    return f"arn:aws:iam::aws:policy{moto_managed()[name]['Path']}{name}"


# --- customer-managed policies, transcribed from the projects that publish them -----------------


def load_balancer_controller_policy() -> dict[str, Any]:
    # kubernetes-sigs/aws-load-balancer-controller, docs/install/iam_policy.json (v2.13,
    # https://raw.githubusercontent.com/kubernetes-sigs/aws-load-balancer-controller/main/docs/
    # install/iam_policy.json), the policy the EKS User Guide's "Install the AWS Load Balancer
    # Controller with Helm" (https://docs.aws.amazon.com/eks/latest/userguide/lbc-helm.html)
    # creates as AWSLoadBalancerControllerIAMPolicy.
    tag = "aws:RequestTag/elbv2.k8s.aws/cluster"
    resource_tag = "aws:ResourceTag/elbv2.k8s.aws/cluster"
    lb_resources = [
        "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
        "arn:aws:elasticloadbalancing:*:*:loadbalancer/net/*/*",
        "arn:aws:elasticloadbalancing:*:*:loadbalancer/app/*/*",
    ]
    return doc(
        allow(
            ["iam:CreateServiceLinkedRole"],
            "*",
            Condition={
                "StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}
            },
        ),
        allow(
            [
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeVpcs",
                "ec2:DescribeVpcPeeringConnections",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeInstances",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeTags",
                "ec2:GetCoipPoolUsage",
                "ec2:DescribeCoipPools",
                "ec2:GetSecurityGroupsForVpc",
                "ec2:DescribeIpamPools",
                "ec2:DescribeRouteTables",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeListenerCertificates",
                "elasticloadbalancing:DescribeSSLPolicies",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTrustStores",
                "elasticloadbalancing:DescribeListenerAttributes",
                "elasticloadbalancing:DescribeCapacityReservation",
            ],
            "*",
        ),
        allow(
            [
                "cognito-idp:DescribeUserPoolClient",
                "acm:ListCertificates",
                "acm:DescribeCertificate",
                "iam:ListServerCertificates",
                "iam:GetServerCertificate",
                "waf-regional:GetWebACL",
                "waf-regional:GetWebACLForResource",
                "waf-regional:AssociateWebACL",
                "waf-regional:DisassociateWebACL",
                "wafv2:GetWebACL",
                "wafv2:GetWebACLForResource",
                "wafv2:AssociateWebACL",
                "wafv2:DisassociateWebACL",
                "shield:GetSubscriptionState",
                "shield:DescribeProtection",
                "shield:CreateProtection",
                "shield:DeleteProtection",
            ],
            "*",
        ),
        allow(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], "*"),
        allow(["ec2:CreateSecurityGroup"], "*"),
        allow(
            ["ec2:CreateTags"],
            "arn:aws:ec2:*:*:security-group/*",
            Condition={
                "StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"},
                "Null": {tag: "false"},
            },
        ),
        allow(
            ["ec2:CreateTags", "ec2:DeleteTags"],
            "arn:aws:ec2:*:*:security-group/*",
            Condition={"Null": {tag: "true", resource_tag: "false"}},
        ),
        allow(
            [
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:DeleteSecurityGroup",
            ],
            "*",
            Condition={"Null": {resource_tag: "false"}},
        ),
        allow(
            ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
            "*",
            Condition={"Null": {tag: "false"}},
        ),
        allow(
            [
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule",
            ],
            "*",
        ),
        allow(
            ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            lb_resources,
            Condition={"Null": {tag: "true", resource_tag: "false"}},
        ),
        allow(
            ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            [
                "arn:aws:elasticloadbalancing:*:*:listener/net/*/*/*",
                "arn:aws:elasticloadbalancing:*:*:listener/app/*/*/*",
                "arn:aws:elasticloadbalancing:*:*:listener-rule/net/*/*/*",
                "arn:aws:elasticloadbalancing:*:*:listener-rule/app/*/*/*",
            ],
        ),
        allow(
            [
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyListenerAttributes",
                "elasticloadbalancing:ModifyCapacityReservation",
                "elasticloadbalancing:ModifyIpPools",
            ],
            "*",
            Condition={"Null": {resource_tag: "false"}},
        ),
        allow(
            ["elasticloadbalancing:AddTags"],
            lb_resources,
            Condition={
                "StringEquals": {
                    "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"]
                },
                "Null": {tag: "false"},
            },
        ),
        allow(
            ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
        ),
        allow(
            [
                "elasticloadbalancing:SetWebAcl",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:SetRulePriorities",
            ],
            "*",
        ),
    )


KARPENTER_NODE_ROLE = f"KarpenterNodeRole-{CLUSTER}"
KARPENTER_QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCT}:{CLUSTER}"


def karpenter_controller_policy() -> dict[str, Any]:
    # aws/karpenter-provider-aws, website/content/en/preview/getting-started/
    # getting-started-with-karpenter/cloudformation.yaml (KarpenterControllerPolicy-
    # ${ClusterName}), https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/
    # and https://karpenter.sh/docs/reference/cloudformation/, with ${AWS::Partition} aws,
    # ${AWS::Region} eu-west-1, ${ClusterName} platform-prod and the interruption queue's ARN.
    ec2 = f"arn:aws:ec2:{REGION}"
    cluster_tag = f"kubernetes.io/cluster/{CLUSTER}"
    tagged_resources = [
        f"{ec2}:*:fleet/*",
        f"{ec2}:*:instance/*",
        f"{ec2}:*:volume/*",
        f"{ec2}:*:network-interface/*",
        f"{ec2}:*:launch-template/*",
    ]
    return doc(
        allow(
            ["ec2:RunInstances", "ec2:CreateFleet"],
            [
                f"{ec2}::image/*",
                f"{ec2}::snapshot/*",
                f"{ec2}:*:spot-instances-request/*",
                f"{ec2}:*:security-group/*",
                f"{ec2}:*:subnet/*",
                f"{ec2}:*:launch-template/*",
            ],
            sid="AllowScopedEC2InstanceActions",
        ),
        allow(
            ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            tagged_resources,
            sid="AllowScopedEC2InstanceActionsWithTags",
            Condition={
                "StringEquals": {f"aws:RequestTag/{cluster_tag}": "owned"},
                "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
            },
        ),
        allow(
            "ec2:CreateTags",
            tagged_resources,
            sid="AllowScopedResourceCreationTagging",
            Condition={
                "StringEquals": {
                    f"aws:RequestTag/{cluster_tag}": "owned",
                    "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
                },
                "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
            },
        ),
        allow(
            "ec2:CreateTags",
            f"{ec2}:*:instance/*",
            sid="AllowScopedResourceTagging",
            Condition={
                "StringEquals": {f"aws:ResourceTag/{cluster_tag}": "owned"},
                "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["karpenter.sh/nodeclaim", "Name"]},
            },
        ),
        allow(
            ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            [f"{ec2}:*:instance/*", f"{ec2}:*:launch-template/*"],
            sid="AllowScopedDeletion",
            Condition={
                "StringEquals": {f"aws:ResourceTag/{cluster_tag}": "owned"},
                "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
            },
        ),
        allow(
            [
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSpotPriceHistory",
                "ec2:DescribeSubnets",
            ],
            "*",
            sid="AllowRegionalReadActions",
            Condition={"StringEquals": {"aws:RequestedRegion": REGION}},
        ),
        allow(
            "ssm:GetParameter",
            f"arn:aws:ssm:{REGION}::parameter/aws/service/*",
            sid="AllowSSMReadActions",
        ),
        allow("pricing:GetProducts", "*", sid="AllowPricingReadActions"),
        allow(
            [
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:ReceiveMessage",
            ],
            KARPENTER_QUEUE_ARN,
            sid="AllowInterruptionQueueActions",
        ),
        allow(
            "iam:PassRole",
            f"arn:aws:iam::{ACCT}:role/{KARPENTER_NODE_ROLE}",
            sid="AllowPassingInstanceRole",
            Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        ),
        allow(
            ["iam:CreateInstanceProfile"],
            "*",
            sid="AllowScopedInstanceProfileCreationActions",
            Condition={
                "StringEquals": {
                    f"aws:RequestTag/{cluster_tag}": "owned",
                    "aws:RequestTag/topology.kubernetes.io/region": REGION,
                },
                "StringLike": {"aws:RequestTag/karpenter.sh/nodeclass": "*"},
            },
        ),
        allow(
            ["iam:TagInstanceProfile"],
            "*",
            sid="AllowScopedInstanceProfileTagActions",
            Condition={
                "StringEquals": {
                    f"aws:ResourceTag/{cluster_tag}": "owned",
                    "aws:ResourceTag/topology.kubernetes.io/region": REGION,
                    f"aws:RequestTag/{cluster_tag}": "owned",
                    "aws:RequestTag/topology.kubernetes.io/region": REGION,
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.sh/nodeclass": "*",
                    "aws:RequestTag/karpenter.sh/nodeclass": "*",
                },
            },
        ),
        allow(
            [
                "iam:AddRoleToInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:DeleteInstanceProfile",
            ],
            "*",
            sid="AllowScopedInstanceProfileActions",
            Condition={
                "StringEquals": {
                    f"aws:ResourceTag/{cluster_tag}": "owned",
                    "aws:ResourceTag/topology.kubernetes.io/region": REGION,
                },
                "StringLike": {"aws:ResourceTag/karpenter.sh/nodeclass": "*"},
            },
        ),
        allow("iam:GetInstanceProfile", "*", sid="AllowInstanceProfileReadActions"),
        allow("eks:DescribeCluster", CLUSTER_ARN, sid="AllowAPIServerEndpointDiscovery"),
    )


def cluster_autoscaler_policy() -> dict[str, Any]:
    # kubernetes/autoscaler, cluster-autoscaler/cloudprovider/aws/README.md, "IAM Policy": the
    # minimum policy, plus autoscaling:DescribeTags (auto-discovery, "recommended") and
    # ec2:DescribeLaunchTemplateVersions (node groups built from launch templates), as the
    # README says to add. The README's list is transcribed as published, including its
    # "ec2:GetInstanceTypesFromInstanceRequirementsPages" (an AWS SDK paginator's name: the IAM
    # action is ec2:GetInstanceTypesFromInstanceRequirements).
    return doc(
        allow(
            [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeTags",
                "autoscaling:SetDesiredCapacity",
                "autoscaling:TerminateInstanceInAutoScalingGroup",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirementsPages",
                "eks:DescribeNodegroup",
            ],
            ["*"],
        )
    )


def external_dns_policy() -> dict[str, Any]:
    # kubernetes-sigs/external-dns, docs/tutorials/aws.md, "IAM Policy"
    # (https://kubernetes-sigs.github.io/external-dns/latest/docs/tutorials/aws/).
    return doc(
        allow(["route53:ChangeResourceRecordSets"], ["arn:aws:route53:::hostedzone/*"]),
        allow(
            [
                "route53:ListHostedZones",
                "route53:ListResourceRecordSets",
                "route53:ListTagsForResource",
            ],
            ["*"],
        ),
    )


def cert_manager_policy() -> dict[str, Any]:
    # cert-manager documentation, "Route53" DNS01 solver, "Set up an IAM Policy"
    # (https://cert-manager.io/docs/configuration/acme/dns01/route53/).
    return doc(
        allow("route53:GetChange", "arn:aws:route53:::change/*"),
        allow(
            ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
            "arn:aws:route53:::hostedzone/*",
            Condition={
                "ForAllValues:StringEquals": {
                    "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]
                }
            },
        ),
        allow("route53:ListHostedZonesByName", "*"),
    )


CUSTOMER_POLICIES: dict[str, Any] = {
    "AWSLoadBalancerControllerIAMPolicy": load_balancer_controller_policy,
    f"KarpenterControllerPolicy-{CLUSTER}": karpenter_controller_policy,
    "AmazonEKSClusterAutoscalerPolicy": cluster_autoscaler_policy,
    "AllowExternalDNSUpdates": external_dns_policy,
    "cert-manager-route53": cert_manager_policy,
}


# --- the roles ------------------------------------------------------------------------------------


def role(
    name: str,
    trust_policy: dict[str, Any],
    *,
    path: str = "/",
    managed: tuple[str, ...] = (),
    inline: dict[str, dict[str, Any]] | None = None,
    created: str = ADDONS_INSTALLED,
    last_used: str | None = RECENT,
    instance_profile: bool = False,
    tags: dict[str, str] | None = None,
    description: str = "",
) -> dict[str, Any]:
    return role_entry(
        ACCT,
        name,
        trust_policy,
        created=created,
        path=path,
        attached=[(policy, managed_arn(policy)) for policy in managed],
        inline=inline,
        last_used=last_used,
        region=REGION,
        instance_profile=instance_profile,
        tags=tags,
        description=description,
    )


NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonEKS_CNI_Policy",
    "AmazonSSMManagedInstanceCore",
)
NODE_ROLE = "AmazonEKSNodeRole"
CLUSTER_ROLE = "AmazonEKSClusterRole"


def eks_roles() -> list[dict[str, Any]]:
    # Amazon ECR User Guide, "IAM permissions required to sync an upstream registry with an
    # Amazon ECR private registry" (https://docs.aws.amazon.com/AmazonECR/latest/userguide/
    # pull-through-cache-iam.html): nodes pulling through the cache rule ecr-public/ need
    # ecr:CreateRepository and ecr:BatchImportUpstreamImage on its repositories.
    pull_through = doc(
        allow(
            ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
            f"arn:aws:ecr:{REGION}:{ACCT}:repository/ecr-public/*",
        )
    )
    return [
        # Amazon EKS User Guide, "Amazon EKS cluster IAM role"
        # (https://docs.aws.amazon.com/eks/latest/userguide/cluster-iam-role.html): trusts
        # eks.amazonaws.com for sts:AssumeRole and sts:TagSession, AmazonEKSClusterPolicy.
        role(
            CLUSTER_ROLE,
            service_trust("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]),
            managed=("AmazonEKSClusterPolicy",),
            created=CLUSTER_CREATED,
        ),
        # Amazon EKS User Guide, "Amazon EKS node IAM role"
        # (https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html): trusts
        # ec2.amazonaws.com; AmazonEKSWorkerNodePolicy, AmazonEC2ContainerRegistryReadOnly
        # (or PullOnly), AmazonEKS_CNI_Policy (unless the VPC CNI uses IRSA) and, for Systems
        # Manager access to nodes, AmazonSSMManagedInstanceCore. Managed node groups create the
        # instance profile.
        role(
            NODE_ROLE,
            service_trust("ec2.amazonaws.com"),
            managed=NODE_POLICIES,
            inline={"ecr-pull-through-cache": pull_through},
            created=CLUSTER_CREATED,
            instance_profile=True,
        ),
        # Karpenter's cloudformation.yaml, KarpenterNodeRole-${ClusterName}: ec2.amazonaws.com,
        # the same four AWS-managed policies (Karpenter creates the instance profiles itself).
        role(
            KARPENTER_NODE_ROLE,
            service_trust("ec2.amazonaws.com"),
            managed=NODE_POLICIES,
            created=ADDONS_INSTALLED,
        ),
    ]


# name, (namespace, service account), policy. The names are those the projects' docs use.
IRSA_ROLES = (
    # EKS User Guide, lbc-helm.html: `eksctl create iamserviceaccount --name
    # aws-load-balancer-controller --namespace kube-system --role-name
    # AmazonEKSLoadBalancerControllerRole --attach-policy-arn
    # arn:aws:iam::<account>:policy/AWSLoadBalancerControllerIAMPolicy`.
    (
        "AmazonEKSLoadBalancerControllerRole",
        ("kube-system", "aws-load-balancer-controller"),
        "AWSLoadBalancerControllerIAMPolicy",
    ),
    # Karpenter, "Migrating from Cluster Autoscaler" / reference IRSA setup: role
    # KarpenterControllerRole-${CLUSTER_NAME}, service account kube-system:karpenter
    # (https://karpenter.sh/docs/getting-started/migrating-from-cas/).
    (
        f"KarpenterControllerRole-{CLUSTER}",
        ("kube-system", "karpenter"),
        f"KarpenterControllerPolicy-{CLUSTER}",
    ),
    # kubernetes/autoscaler, cluster-autoscaler/cloudprovider/aws/CA_with_AWS_IAM_OIDC.md:
    # service account kube-system:cluster-autoscaler.
    (
        "AmazonEKSClusterAutoscalerRole",
        ("kube-system", "cluster-autoscaler"),
        "AmazonEKSClusterAutoscalerPolicy",
    ),
    # external-dns docs/tutorials/aws.md, "IAM Roles for Service Accounts": policy
    # AllowExternalDNSUpdates, service account external-dns in namespace external-dns.
    ("external-dns", ("external-dns", "external-dns"), "AllowExternalDNSUpdates"),
    # EKS User Guide, "Create an Amazon EBS CSI driver IAM role"
    # (https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html): role
    # AmazonEKS_EBS_CSI_DriverRole, kube-system:ebs-csi-controller-sa, the AWS-managed
    # AmazonEBSCSIDriverPolicy (path /service-role/).
    (
        "AmazonEKS_EBS_CSI_DriverRole",
        ("kube-system", "ebs-csi-controller-sa"),
        "AmazonEBSCSIDriverPolicy",
    ),
    # cert-manager docs, Route53, "EKS IAM Role for Service Accounts (IRSA)": service account
    # cert-manager:cert-manager.
    ("cert-manager", ("cert-manager", "cert-manager"), "cert-manager-route53"),
)
OPEN_IRSA_ROLE = "orders-reports-s3-reader"
REPORTS_BUCKET = f"arn:aws:s3:::orders-reports-{ACCT}"


def irsa_roles() -> list[dict[str, Any]]:
    roles = [
        role(
            name,
            irsa_trust(namespace, service_account),
            managed=(policy,),
            created=ADDONS_INSTALLED,
            tags={"alpha.eksctl.io/cluster-name": CLUSTER},
        )
        for name, (namespace, service_account), policy in IRSA_ROLES
    ]
    # The misconfiguration: a team's IRSA role written with only the `aud` test. EKS Best
    # Practices Guide, Identity and Access Management, "Scope the IAM Role trust policy for
    # IRSA Roles to the service account name"
    # (https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html):
    # without `sub`, every service account of every namespace of the cluster gets a token the
    # trust accepts.
    reports = doc(
        allow(["s3:GetObject"], f"{REPORTS_BUCKET}/*", sid="ReadReports"),
        allow(["s3:ListBucket"], REPORTS_BUCKET, sid="ListReports"),
    )
    roles.append(
        role(
            OPEN_IRSA_ROLE,
            irsa_trust(None, None),
            inline={"read-orders-reports": reports},
            created="2026-03-17T16:20:00Z",
        )
    )
    return roles


POD_IDENTITY_ROLES = ("orders-api-pod-identity", "adot-collector-pod-identity")
ORDERS_TABLE = f"arn:aws:dynamodb:{REGION}:{ACCT}:table/orders"


def pod_identity_roles() -> list[dict[str, Any]]:
    # Amazon EKS User Guide, "Create IAM role with trust policy required by EKS Pod Identity"
    # (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html): Service
    # pods.eks.amazonaws.com, sts:AssumeRole and sts:TagSession; the page's example restricts
    # the role with the session tags Pod Identity sets (pod-id-abac.html).
    actions = ["sts:AssumeRole", "sts:TagSession"]
    scoped = doc(
        trust(
            {"Service": "pods.eks.amazonaws.com"},
            actions,
            Sid="AllowEksAuthToAssumeRoleForPodIdentity",
            Condition={
                "StringEquals": {
                    "aws:RequestTag/kubernetes-namespace": ["orders"],
                    "aws:RequestTag/kubernetes-service-account": ["orders-api"],
                    "aws:RequestTag/eks-cluster-arn": [CLUSTER_ARN],
                }
            },
        )
    )
    plain = doc(
        trust(
            {"Service": "pods.eks.amazonaws.com"},
            actions,
            Sid="AllowEksAuthToAssumeRoleForPodIdentity",
        )
    )
    orders = doc(
        allow(
            [
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:Query",
            ],
            [ORDERS_TABLE, f"{ORDERS_TABLE}/index/*"],
            sid="OrdersTable",
        )
    )
    return [
        role(POD_IDENTITY_ROLES[0], scoped, inline={"orders-table": orders}),
        # AWS Distro for OpenTelemetry, EKS add-on "adot" with Pod Identity
        # (https://docs.aws.amazon.com/eks/latest/userguide/opentelemetry.html): the collector's
        # role carries AWSXrayWriteOnlyAccess and AmazonPrometheusRemoteWriteAccess.
        role(
            POD_IDENTITY_ROLES[1],
            plain,
            managed=("AWSXrayWriteOnlyAccess", "AmazonPrometheusRemoteWriteAccess"),
        ),
    ]


ORDERS_SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCT}:secret:orders/db-AbCdEf"
ORDERS_KEY = f"arn:aws:kms:{REGION}:{ACCT}:key/1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"
ORDERS_QUEUE = f"arn:aws:sqs:{REGION}:{ACCT}:orders-events"


def ecs_roles() -> list[dict[str, Any]]:
    # Amazon ECS Developer Guide, "Amazon ECS task execution IAM role"
    # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html):
    # ecs-tasks.amazonaws.com, AmazonECSTaskExecutionRolePolicy, and, for secrets referenced in
    # the task definition, the page's inline policy (secretsmanager:GetSecretValue on the secret,
    # kms:Decrypt on its customer managed key).
    secrets = doc(
        allow(["secretsmanager:GetSecretValue", "kms:Decrypt"], [ORDERS_SECRET, ORDERS_KEY])
    )
    # Amazon ECS Developer Guide, "Amazon ECS task IAM role"
    # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html): the
    # trust policy with the confused-deputy conditions the page recommends.
    task_trust = doc(
        trust(
            {"Service": "ecs-tasks.amazonaws.com"},
            Condition={
                "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCT}:*"},
                "StringEquals": {"aws:SourceAccount": ACCT},
            },
        )
    )
    task_policy = doc(
        allow(["sqs:SendMessage", "sqs:GetQueueUrl"], ORDERS_QUEUE, sid="PublishEvents"),
        allow(["dynamodb:GetItem", "dynamodb:Query"], ORDERS_TABLE, sid="ReadOrders"),
    )
    return [
        role(
            "ecsTaskExecutionRole",
            doc(trust({"Service": "ecs-tasks.amazonaws.com"}, Sid="")),
            managed=("AmazonECSTaskExecutionRolePolicy",),
            inline={"orders-secrets": secrets},
            created=ECS_CREATED,
        ),
        role(
            "orders-worker-task-role",
            task_trust,
            inline={"orders": task_policy},
            created=ECS_CREATED,
        ),
        # Amazon ECS Developer Guide, "Amazon ECS container instance IAM role"
        # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/instance_IAM_role.html):
        # ecsInstanceRole, ec2.amazonaws.com, AmazonEC2ContainerServiceforEC2Role, an instance
        # profile of the same name.
        role(
            "ecsInstanceRole",
            service_trust("ec2.amazonaws.com"),
            managed=("AmazonEC2ContainerServiceforEC2Role",),
            created=ECS_CREATED,
            instance_profile=True,
        ),
        # Amazon ECS Developer Guide, "Amazon ECS infrastructure IAM role"
        # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/infrastructure_IAM_role.html):
        # ecsInfrastructureRole, ecs.amazonaws.com (Sid
        # AllowAccessToECSForInfrastructureManagement), AmazonECSInfrastructureRolePolicyForVolumes.
        role(
            "ecsInfrastructureRole",
            doc(
                trust(
                    {"Service": "ecs.amazonaws.com"},
                    Sid="AllowAccessToECSForInfrastructureManagement",
                )
            ),
            managed=("AmazonECSInfrastructureRolePolicyForVolumes",),
            created=ECS_CREATED,
        ),
    ]


GITHUB_DEPLOY_ROLE = "github-actions-platform-deploy"
APP_REPOSITORIES = f"arn:aws:ecr:{REGION}:{ACCT}:repository/{GITHUB_REPO}/*"


def github_roles() -> list[dict[str, Any]]:
    # IAM User Guide, "Configuring a role for GitHub OIDC identity provider" and GitHub Docs,
    # "Configuring OpenID Connect in Amazon Web Services"
    # (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-
    # deployments/configuring-openid-connect-in-amazon-web-services): StringEquals aud
    # sts.amazonaws.com and sub repo:<org>/<repo>:ref:refs/heads/main.
    github_trust = doc(
        trust(
            {"Federated": GITHUB_PROVIDER_ARN},
            "sts:AssumeRoleWithWebIdentity",
            Condition={
                "StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": (
                        f"repo:{GITHUB_ORG}/{GITHUB_REPO}:ref:refs/heads/main"
                    ),
                }
            },
        )
    )
    # Amazon ECR User Guide, "Private repository policy examples" / "Amazon ECR identity-based
    # policy examples", pushing an image (https://docs.aws.amazon.com/AmazonECR/latest/
    # userguide/image-push-iam.html); EKS User Guide, "Connect kubectl to an EKS cluster by
    # creating a kubeconfig file" (create-kubeconfig.html): `aws eks update-kubeconfig` needs
    # eks:DescribeCluster; Kubernetes permissions come from an EKS access entry, not IAM.
    deploy = doc(
        allow("ecr:GetAuthorizationToken", "*", sid="GetAuthorizationToken"),
        allow(
            [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:CompleteLayerUpload",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:PutImage",
                "ecr:UploadLayerPart",
            ],
            APP_REPOSITORIES,
            sid="PushAppImages",
        ),
        allow("eks:DescribeCluster", CLUSTER_ARN, sid="Kubeconfig"),
    )
    return [
        role(GITHUB_DEPLOY_ROLE, github_trust, inline={"deploy": deploy}, created=CLUSTER_CREATED)
    ]


def identity_center_roles() -> list[dict[str, Any]]:
    # IAM Identity Center User Guide, "IAM roles created by IAM Identity Center"
    # (https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html):
    # AWSReservedSSO_<set>_<suffix> under /aws-reserved/sso.amazonaws.com/<region>/, trusting
    # the SAML provider for sts:AssumeRoleWithSAML and sts:TagSession with SAML:aud.
    path = f"/aws-reserved/sso.amazonaws.com/{SSO_REGION}/"
    sso_trust = doc(
        trust(
            {"Federated": SAML_PROVIDER_ARN},
            ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            Condition={"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        )
    )
    # Amazon EKS User Guide, "View Kubernetes resources in the AWS Management Console", required
    # permissions (https://docs.aws.amazon.com/eks/latest/userguide/view-kubernetes-resources.html
    # #view-kubernetes-resources-permissions), as the developer permission set's inline policy;
    # in-cluster rights come from an EKS access entry (AmazonEKSViewPolicy on namespaces).
    developer = doc(
        allow(
            [
                "eks:ListFargateProfiles",
                "eks:DescribeNodegroup",
                "eks:ListNodegroups",
                "eks:ListUpdates",
                "eks:AccessKubernetesApi",
                "eks:ListAddons",
                "eks:DescribeCluster",
                "eks:DescribeAddonVersions",
                "eks:ListClusters",
                "eks:ListIdentityProviderConfigs",
                "iam:ListRoles",
            ],
            "*",
        ),
        allow("ssm:GetParameter", f"arn:aws:ssm:*:{ACCT}:parameter/*"),
    )
    sets = [
        ("AdministratorAccess", ("AdministratorAccess",), None, "2026-11-20T15:03:00Z"),
        ("PlatformDeveloper", (), developer, "2026-11-29T08:14:00Z"),
    ]
    return [
        role(
            f"AWSReservedSSO_{name}_{hex_suffix('permission-set-' + name)}",
            sso_trust,
            path=path,
            managed=managed,
            inline={"AwsSSOInlinePolicy": inline} if inline else None,
            created=SSO_PROVISIONED,
            last_used=last_used,
        )
        for name, managed, inline, last_used in sets
    ]


SERVICE_LINKED = (
    # Amazon EKS User Guide, "Using service-linked roles for Amazon EKS"
    # (https://docs.aws.amazon.com/eks/latest/userguide/using-service-linked-roles-eks.html)
    ("AWSServiceRoleForAmazonEKS", "eks.amazonaws.com", "AmazonEKSServiceRolePolicy"),
    # (.../using-service-linked-roles-eks-nodegroups.html)
    (
        "AWSServiceRoleForAmazonEKSNodegroup",
        "eks-nodegroup.amazonaws.com",
        "AWSServiceRoleForAmazonEKSNodegroup",
    ),
    # Amazon ECS Developer Guide, "Using service-linked roles for Amazon ECS"
    ("AWSServiceRoleForECS", "ecs.amazonaws.com", "AmazonECSServiceRolePolicy"),
    # Amazon EC2 User Guide, "Service-linked role for Spot Instance requests" (Karpenter's
    # getting-started creates it: `aws iam create-service-linked-role --aws-service-name
    # spot.amazonaws.com`)
    ("AWSServiceRoleForEC2Spot", "spot.amazonaws.com", "AWSEC2SpotServiceRolePolicy"),
    # Elastic Load Balancing User Guide, "Elastic Load Balancing service-linked role"
    (
        "AWSServiceRoleForElasticLoadBalancing",
        "elasticloadbalancing.amazonaws.com",
        "AWSElasticLoadBalancingServiceRolePolicy",
    ),
    # Amazon EC2 Auto Scaling User Guide, "Service-linked roles for Amazon EC2 Auto Scaling"
    ("AWSServiceRoleForAutoScaling", "autoscaling.amazonaws.com", "AutoScalingServiceRolePolicy"),
)


def service_linked_roles() -> list[dict[str, Any]]:
    return [
        role(
            name,
            service_trust(service),
            path=f"/aws-service-role/{service}/",
            managed=(policy,),
            created=CLUSTER_CREATED,
        )
        for name, service, policy in SERVICE_LINKED
    ]


def all_roles() -> list[dict[str, Any]]:
    return [
        *eks_roles(),
        *irsa_roles(),
        *pod_identity_roles(),
        *ecs_roles(),
        *github_roles(),
        *identity_center_roles(),
        *service_linked_roles(),
    ]


# --- the users ------------------------------------------------------------------------------------

# IAM User Guide, "Root user best practices" / AWS Security Incident Response Guide, "Break glass
# access": one emergency IAM user with AdministratorAccess, a console password and MFA, tested
# quarterly; no access keys.
BREAK_GLASS = "breakglass-admin"


def users() -> list[dict[str, Any]]:
    return [
        {
            "Path": "/",
            "UserName": BREAK_GLASS,
            "UserId": unique_id("AIDA", BREAK_GLASS),
            "Arn": f"arn:aws:iam::{ACCT}:user/{BREAK_GLASS}",
            "CreateDate": "2024-09-03T11:00:00Z",
            "UserPolicyList": [],
            "GroupList": [],
            "AttachedManagedPolicies": [
                {
                    "PolicyName": "AdministratorAccess",
                    "PolicyArn": managed_arn("AdministratorAccess"),
                }
            ],
            "Tags": [{"Key": "purpose", "Value": "break-glass"}],
        }
    ]


def managed_policies(roles: list[dict[str, Any]], users_: list[dict[str, Any]]) -> list[dict]:
    """The Policies list: every managed policy attached somewhere, as GAAD lists it."""
    counts = attachment_counts((*roles, *users_), "PolicyName")
    policies = []
    for name in sorted(counts):
        if name in CUSTOMER_POLICIES:
            version = ("/", CUSTOMER_POLICIES[name](), "v1", ADDONS_INSTALLED, ADDONS_INSTALLED)
        else:
            version = aws_managed_version(name)
        policy_id = unique_id("ANPA", "managed-" + name)
        policies.append(
            policy_entry(
                name,
                managed_arn(name),
                policy_id=policy_id,
                version=version,
                attachments=counts[name],
            )
        )
    return policies


def gaad() -> dict[str, Any]:
    roles = all_roles()
    users_ = users()
    return {
        "UserDetailList": users_,
        "GroupDetailList": [],
        "RoleDetailList": roles,
        "Policies": managed_policies(roles, users_),
    }


# --- the credential report ------------------------------------------------------------------------

# The credential report's columns, in AWS's order: the loader's own list.


def credential_report() -> str:
    # IAM User Guide, "Generate credential reports for your AWS account"
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html).
    # The root user of an account created by Organizations has no password, keys or MFA.
    none_key = ["false", "N/A", "N/A", "N/A", "N/A"]
    no_certs = ["false", "N/A", "false", "N/A"]
    rows = [
        [
            "<root_account>",
            f"arn:aws:iam::{ACCT}:root",
            "2024-09-02T08:00:00+00:00",
            "not_supported",
            "no_information",
            "not_supported",
            "not_supported",
            "false",
            *none_key,
            *none_key,
            *no_certs,
        ],
        [
            BREAK_GLASS,
            f"arn:aws:iam::{ACCT}:user/{BREAK_GLASS}",
            "2024-09-03T11:00:00+00:00",
            "true",
            "2026-10-28T09:15:00+00:00",  # the quarterly break-glass test
            "2024-09-03T11:05:00+00:00",
            "N/A",
            "true",
            *none_key,
            *none_key,
            *no_certs,
        ],
    ]
    return report_csv(rows)


def render() -> dict[str, str]:
    """File name -> the text written to tests/data/eks_platform/."""
    return {
        GAAD_FILE: json.dumps(gaad(), indent=1, sort_keys=True) + "\n",
        CREDENTIAL_REPORT_FILE: credential_report(),
    }


def main() -> None:
    write_fixtures(render, OUTPUT_DIR, MOTO_VERSION)


if __name__ == "__main__":
    main()
