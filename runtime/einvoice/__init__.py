"""E-invoicing: EHF 3.0 / PEPPOL BIS Billing 3.0 UBL writing and validation."""
