"""The schema catalog: the Defender Advanced Hunting device tables with documented columns and types.

Reference: https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-schema-tables
"""

from __future__ import annotations

import pytest

from rmmhunt.kql.types import KqlType
from rmmhunt.schema import default_catalog

REQUIRED_TABLES = [
    "DeviceFileCertificateInfo",
    "DeviceFileEvents",
    "DeviceProcessEvents",
    "DeviceNetworkEvents",
    "DeviceImageLoadEvents",
    "DeviceRegistryEvents",
    "DeviceEvents",
    "DeviceLogonEvents",
    "DeviceInfo",
    "DeviceNetworkInfo",
]

# Spot checks against the table pages (https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-<table>-table).
DOCUMENTED = [
    ("DeviceFileCertificateInfo", "Signer", KqlType.STRING),
    ("DeviceFileCertificateInfo", "IsTrusted", KqlType.BOOL),
    ("DeviceFileCertificateInfo", "CertificateExpirationTime", KqlType.DATETIME),
    ("DeviceFileCertificateInfo", "ReportId", KqlType.LONG),
    ("DeviceProcessEvents", "ProcessCommandLine", KqlType.STRING),
    ("DeviceProcessEvents", "ProcessId", KqlType.LONG),
    ("DeviceProcessEvents", "ProcessVersionInfoCompanyName", KqlType.STRING),
    ("DeviceNetworkEvents", "RemoteUrl", KqlType.STRING),
    ("DeviceNetworkEvents", "RemotePort", KqlType.INT),
    ("DeviceFileEvents", "FileOriginUrl", KqlType.STRING),
    ("DeviceFileEvents", "FileSize", KqlType.LONG),
    ("DeviceInfo", "MachineGroup", KqlType.STRING),
    ("DeviceRegistryEvents", "RegistryValueData", KqlType.STRING),
    ("DeviceLogonEvents", "IsLocalAdmin", KqlType.BOOL),
    ("DeviceNetworkInfo", "IPAddresses", KqlType.STRING),  # JSON text, typed string by the docs
]


@pytest.mark.parametrize("table", REQUIRED_TABLES)
def test_table_present_with_common_columns(table: str) -> None:
    columns = default_catalog().table_columns(table)
    assert columns is not None
    assert columns["Timestamp"] is KqlType.DATETIME
    assert columns["DeviceId"] is KqlType.STRING
    assert columns["DeviceName"] is KqlType.STRING


@pytest.mark.parametrize(("table", "column", "kql_type"), DOCUMENTED)
def test_documented_column_types(table: str, column: str, kql_type: KqlType) -> None:
    assert default_catalog().table_columns(table)[column] is kql_type


def test_every_table_names_its_source_page() -> None:
    for table in default_catalog().tables.values():
        assert table.source.startswith("https://learn.microsoft.com/"), table.name
        assert len(table.columns) >= (15 if table.name in REQUIRED_TABLES else 5), table.name


# Every table listed on https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-schema-tables
# (plus the newer pages for AgentsInfo, CallActivityEvents and CloudPolicyEnforcementEvents).
DOCUMENTED_TABLES = [
    *REQUIRED_TABLES,
    "AADSignInEventsBeta", "AADSpnSignInEventsBeta", "AIAgentsInfo", "AgentsInfo", "AlertEvidence", "AlertInfo",
    "BehaviorEntities", "BehaviorInfo", "CallActivityEvents", "CampaignInfo", "CloudAppEvents", "CloudAuditEvents",
    "CloudDnsEvents", "CloudPolicyEnforcementEvents", "CloudProcessEvents", "CloudStorageAggregatedEvents",
    "DataSecurityBehaviors", "DataSecurityEvents", "DeviceBaselineComplianceAssessment",
    "DeviceBaselineComplianceAssessmentKB", "DeviceBaselineComplianceProfiles", "DeviceTvmBrowserExtensions",
    "DeviceTvmBrowserExtensionsKB", "DeviceTvmCertificateInfo", "DeviceTvmHardwareFirmware", "DeviceTvmInfoGathering",
    "DeviceTvmInfoGatheringKB", "DeviceTvmSecureConfigurationAssessment", "DeviceTvmSecureConfigurationAssessmentKB",
    "DeviceTvmSoftwareEvidenceBeta", "DeviceTvmSoftwareInventory", "DeviceTvmSoftwareVulnerabilities",
    "DeviceTvmSoftwareVulnerabilitiesKB", "DisruptionAndResponseEvents", "EmailAttachmentInfo", "EmailEvents",
    "EmailPostDeliveryEvents", "EmailUrlInfo", "EntraIdSignInEvents", "EntraIdSpnSignInEvents", "ExposureGraphEdges",
    "ExposureGraphNodes", "FileMaliciousContentInfo", "GraphApiAuditEvents", "IdentityAccountInfo",
    "IdentityDirectoryEvents", "IdentityEvents", "IdentityInfo", "IdentityLogonEvents", "IdentityQueryEvents",
    "MessageEvents", "MessagePostDeliveryEvents", "MessageUrlInfo", "OAuthAppInfo", "UrlClickEvents",
]  # fmt: skip

# Spot checks of the other tables' pages.
DOCUMENTED_OTHERS = [
    ("AlertInfo", "AttackTechniques", KqlType.STRING),
    ("AlertEvidence", "FileSize", KqlType.LONG),
    ("CloudAppEvents", "RawEventData", KqlType.DYNAMIC),
    ("CloudAppEvents", "ApplicationId", KqlType.INT),
    ("EmailEvents", "EmailClusterId", KqlType.LONG),
    ("EmailEvents", "AttachmentCount", KqlType.INT),
    ("IdentityLogonEvents", "AdditionalFields", KqlType.DYNAMIC),
    ("AADSignInEventsBeta", "IsGuestUser", KqlType.BOOL),
    ("DeviceTvmSoftwareVulnerabilitiesKB", "IsExploitAvailable", KqlType.BOOL),
    ("DeviceTvmSecureConfigurationAssessment", "ConfigurationImpact", KqlType.REAL),
    ("AIAgentsInfo", "AIAgentId", KqlType.GUID),
    ("UrlClickEvents", "IsClickedThrough", KqlType.BOOL),
]


@pytest.mark.parametrize("table", DOCUMENTED_TABLES)
def test_every_documented_table_is_in_the_catalog(table: str) -> None:
    assert table in default_catalog()


@pytest.mark.parametrize(("table", "column", "kql_type"), DOCUMENTED_OTHERS)
def test_documented_column_types_of_other_tables(table: str, column: str, kql_type: KqlType) -> None:
    assert default_catalog().table_columns(table)[column] is kql_type
