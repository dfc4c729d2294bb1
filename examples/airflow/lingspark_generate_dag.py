"""Daily LingSpark batch generation with Airflow's SparkSubmitOperator.

Each run reads the logical date's prompts and writes the logical date's output partition
(``.../ds={{ ds }}``) with ``--resume``: a retried or re-triggered run generates only the ids that
are not in that partition yet, as a new ``run_id=`` sub-partition, so every id is written once.

* ``max_active_runs=1``: two attempts writing the same folder at once would share Hadoop's
  ``_temporary`` folder (spark-notes.md §4.2).
* Exit codes: 2 usage, 3 model, 4 input, 5 output, 6 error rate over --max-error-rate (all rows are
  written before that one). Airflow retries any non-zero exit; usage/model/input errors will fail
  again, so the retry count is kept small.
* ``--status-file``: a JSON file the job updates while it runs (rows done/total, errors by code,
  tokens, ETA); a sensor or a dashboard can read it.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

LINGSPARK_JAR = "/opt/lingspark/lingspark-jobs-shaded.jar"
MODEL = "/models/Ling-mini-2.0"

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
            "--run-id", "{{ ts_nodash }}-try{{ ti.try_number }}",
            "--seed", "{{ logical_date.strftime('%Y%m%d') }}",
            "--max-error-rate", "0.05",
            "--status-file", "/var/lib/lingspark/status/{{ ds }}.json",
        ],
        execution_timeout=timedelta(hours=12),
    )
