# The Airflow image with SmartArm installed: DAGs, library, SQL and CLI under /opt/smartarm.
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:root requirements.txt constraints.txt pyproject.toml README.md /opt/smartarm/
# pip may not move Airflow: install the pinned stack together with the image's Airflow version
RUN pip install --no-cache-dir "apache-airflow==3.3.2" \
        -r /opt/smartarm/requirements.txt -c /opt/smartarm/constraints.txt

COPY --chown=airflow:root bandit_core /opt/smartarm/bandit_core
COPY --chown=airflow:root smartarm /opt/smartarm/smartarm
COPY --chown=airflow:root sql /opt/smartarm/sql
COPY --chown=airflow:root dags /opt/smartarm/dags
COPY --chown=airflow:root plugins /opt/smartarm/plugins
COPY --chown=airflow:root examples /opt/smartarm/examples
# editable, so that the library finds sql/ beside it
RUN pip install --no-cache-dir --no-deps -e /opt/smartarm
