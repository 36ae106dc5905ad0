"""The action lists the principal checks ask about as a whole: data and secrets that can be read,
actions that return credentials, and those that change who has access.

Kept in the policy engine (not with the checks) because the engine numbers these actions first
in its action space (bot.iam.compiled.ActionSpace ``first``), so that a principal's answer for
a whole list is a few operations on small integers.
"""

from __future__ import annotations

from functools import lru_cache

from bot.iam.catalogue import ActionCatalogue, default_catalogue

# Patterns of privesc-style "unrestricted read of secrets" (checks.md), expanded via the catalogue.
DATA_EXFILTRATION_PATTERNS: tuple[str, ...] = (
    "s3:GetObject",
    "ssm:GetParameter*",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
)

# Actions whose answer carries credentials (keys, passwords, tokens, session credentials),
# after Cloudsplaining's credentials-exposure list. Calls anyone may make with no resource
# (sts:GetSessionToken, sts:GetCallerIdentity) and unauthenticated federation calls
# (sts:AssumeRoleWithSAML / WithWebIdentity) are left out: they expose nothing new.
CREDENTIAL_ACTIONS: tuple[str, ...] = (
    "iam:CreateAccessKey",
    "iam:UpdateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:CreateServiceSpecificCredential",
    "iam:ResetServiceSpecificCredential",
    "iam:UploadSSHPublicKey",
    "sts:AssumeRole",
    "sts:GetFederationToken",
    "ecr:GetAuthorizationToken",
    "ecr-public:GetAuthorizationToken",
    "codeartifact:GetAuthorizationToken",
    "redshift:GetClusterCredentials",
    "redshift:GetClusterCredentialsWithIAM",
    "redshift-serverless:GetCredentials",
    "rds-db:connect",
    "ec2:GetPasswordData",
    "ec2-instance-connect:SendSSHPublicKey",
    "lightsail:GetInstanceAccessDetails",
    "lightsail:GetRelationalDatabaseMasterUserPassword",
    "lightsail:DownloadDefaultKeyPair",
    "cognito-identity:GetCredentialsForIdentity",
    "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
    "gamelift:RequestUploadCredentials",
    "gamelift:GetInstanceAccess",
    "chime:CreateApiKey",
    "appsync:CreateApiKey",
    "mediapackage:RotateIngestEndpointCredentials",
)


@lru_cache(maxsize=1)
def data_exfiltration_actions() -> frozenset[str]:
    return default_catalogue().expand_all(DATA_EXFILTRATION_PATTERNS)


@lru_cache(maxsize=1)
def resource_exposure_actions() -> frozenset[str]:
    """Permissions-management actions that change access; reading a resource policy exposes
    nothing (as Cloudsplaining puts it, the risk is the ability to modify those policies)."""
    return default_catalogue().permission_changing_actions()


def credential_actions() -> frozenset[str]:
    return frozenset(CREDENTIAL_ACTIONS)


def listed_actions(catalogue: ActionCatalogue) -> frozenset[str]:
    """Every action of the lists above, for ``catalogue``."""
    return (
        catalogue.expand_all(DATA_EXFILTRATION_PATTERNS)
        | catalogue.permission_changing_actions()
        | frozenset(CREDENTIAL_ACTIONS)
    )


@lru_cache(maxsize=512)
def tagging_actions(catalogue: ActionCatalogue, service: str) -> frozenset[str]:
    """The actions of a service that add tags to its resources (its Tagging access level,
    removals left out): who may call them on any resource can meet a resource-tag condition
    on any resource."""
    prefix = service.lower() + ":"
    return frozenset(
        name
        for name in catalogue.actions_by_access_level("Tagging")
        if name.lower().startswith(prefix)
        and not name.split(":", 1)[1].lower().startswith(("untag", "delete", "remove"))
    )
