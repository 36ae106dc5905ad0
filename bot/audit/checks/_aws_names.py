"""AWS names the checks share: resource types of findings and the IAM actions data needs."""

from __future__ import annotations

ACCOUNT = "AWS::::Account"
USER = "AWS::IAM::User"
GROUP = "AWS::IAM::Group"
ROLE = "AWS::IAM::Role"
POLICY = "AWS::IAM::Policy"
SERVER_CERTIFICATE = "AWS::IAM::ServerCertificate"
# Per-key findings are about the key, addressed as ``<user ARN>#access_key_<slot>``.
ACCESS_KEY = "AWS::IAM::AccessKey"

CREDENTIAL_REPORT_PERMISSIONS = ("iam:GenerateCredentialReport", "iam:GetCredentialReport")
AUTHORIZATION_DETAILS_PERMISSIONS = ("iam:GetAccountAuthorizationDetails",)
