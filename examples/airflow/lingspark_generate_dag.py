"""Daily LingSpark batch generation with Airflow's SparkSubmitOperator.

Each run reads the logical date's prompts and writes the logical date's output partition
(``.../ds={{ ds }}``) with ``--resume --retry-errors``: a retried or re-triggered run generates the
ids that are not in that partition yet, and those whose latest row is a failed request, as a new
``run_id=`` sub-partition. Readers take the latest row of each id (README, "Exactly once").

* One writer per output: the job claims the partition (``_lingspark/lock``) and a second job is
  refused (exit 5, naming the holder). ``--break-lock`` lets a retry take over the claim of an
  attempt that died (no heartbeat for ``--lock-timeout``, 300 s, less than ``retry_delay``); a live
  claim is never taken. ``max_active_runs=1`` stays: on object stores without conditional writes
  the claim is not atomic.
* Exit codes: 2 usage, 3 model, 4 input, 5 output (also: disk full, a claim held by another job),
  6 error rate over --max-error-rate (all rows are written before that one; on a resume the rate
  is the whole partition's, latest row of each id, so a retry cannot pass by skipping the failed
  ids). Airflow retries any non-zero exit; usage/model/input errors will fail again, so the retry
  count is kept small.
* ``--status-file``: a JSON file the job updates while it runs (state, rows done/total, errors by
  code, tokens, ETA, ``heartbeat_at``); its last state is ``succeeded`` or ``failed``. A sensor or
  a dashboard can read it: a ``running`` file whose ``heartbeat_at`` is minutes old is a dead
  driver, not a slow job (``status_is_stale`` in ``lingspark_status.py``; the cluster-mode example
  ``lingspark_generate_cluster_dag.py`` watches the file with a sensor).
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

LINGSPARK_JAR = "/opt/lingspark/lingspark-jobs-shaded.jar"
MODEL = "/models/Ling-mini-2.0"
STATUS = "/var/lib/lingspark/status/{{ ds }}.json"


with DAG(
    dag_id="lingspark_generate_daily",
    start_date=datetime(2026, 11, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["lingspark", "llm"],
) as dag:
    generate = SparkSubmitOperator(
        task_id="generate",
        conn_id="spark_default",
        application=LINGSPARK_JAR,
        java_class="io.lingspark.jobs.generate.GenerateJob",
        name="lingspark-generate-{{ ds }}",
        executor_cores=4,
        executor_memory="24g",
        num_executors=8,
        conf={
            "spark.executor.resource.gpu.amount": "1",
            "spark.executor.resource.gpu.discoveryScript": "/opt/lingspark/conf/gpu-discovery.sh",
            "spark.task.resource.gpu.amount": "0.25",
            "spark.dynamicAllocation.enabled": "false",
            "spark.submit.callSystemExitOnMainExit": "true",
            "spark.lingspark.max-tokens": "1024",
        },
        application_args=[
            "--model", MODEL,
            "--input", "hdfs:///data/prompts/ds={{ ds }}",
            "--input-format", "parquet",
            "--output", "hdfs:///data/completions/ds={{ ds }}",
            "--resume",
            "--retry-errors",
            "--break-lock",
            "--run-id", "{{ ts_nodash }}-try{{ ti.try_number }}",
            "--seed", "{{ logical_date.strftime('%Y%m%d') }}",
            "--max-error-rate", "0.05",
            "--status-file", STATUS,
        ],
        execution_timeout=timedelta(hours=12),
    )
