"""The SmartArm command line and its glue to Airflow and the embedded PostgreSQL.

``bandit_core`` is the Airflow-free library; this package is where the two meet.
"""
