"""FieldSurvey: offline-first review of poor and near-poor households in Vietnam."""

__version__ = "0.1.0"
