"""LingSpark batch generation in cluster deploy mode, watched by a sensor on its status file.

In cluster mode the driver runs in a YARN container (or a Kubernetes pod) Airflow cannot read, so
``--status-file`` points at HDFS (any Hadoop filesystem works: ``s3a://``, ``gs://``).
``spark.yarn.submit.waitAppCompletion=false`` lets the submit task end once YARN accepted the
application; the sensor then follows the run from the file and fails on the job's ``failed`` state
or on a heartbeat older than ``max_age`` (a driver that died without writing an end state). The
job's own options (resume, locking, exit codes) are those of ``lingspark_generate_dag.py``.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sensors.python import PythonSensor

from lingspark_status import poke_status

LINGSPARK_JAR = "hdfs:///apps/lingspark/lingspark-jobs-shaded.jar"
MODEL = "/models/Ling-mini-2.0"
STATUS = "hdfs:///data/lingspark/status/{{ ds }}/{{ ti.try_number }}.json"

with DAG(
    dag_id="lingspark_generate_cluster",
    start_date=datetime(2026, 11, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0},
    tags=["lingspark", "llm"],
) as dag:
    submit = SparkSubmitOperator(
        task_id="submit",
        conn_id="spark_default",  # a YARN connection with deploy-mode cluster
        deploy_mode="cluster",
        application=LINGSPARK_JAR,
        java_class="io.lingspark.jobs.generate.GenerateJob",
        name="lingspark-generate-{{ ds }}",
        executor_cores=4,
        executor_memory="24g",
        num_executors=8,
        conf={
            "spark.yarn.submit.waitAppCompletion": "false",
            "spark.executor.resource.gpu.amount": "1",
            "spark.executor.resource.gpu.discoveryScript": "/opt/lingspark/conf/gpu-discovery.sh",
            "spark.task.resource.gpu.amount": "0.25",
            "spark.dynamicAllocation.enabled": "false",
        },
        application_args=[
            "--model", MODEL,
            "--input", "hdfs:///data/prompts/ds={{ ds }}",
            "--input-format", "parquet",
            "--output", "hdfs:///data/completions/ds={{ ds }}",
            "--resume",
            "--retry-errors",
            "--run-id", "{{ ts_nodash }}",
            "--max-error-rate", "0.05",
            "--status-file", STATUS,
            "--status-interval-ms", "10000",
        ],
    )
    wait = PythonSensor(
        task_id="wait_for_generate",
        python_callable=poke_status,
        op_kwargs={"path": STATUS, "max_age": timedelta(minutes=5)},
        mode="reschedule",  # frees the worker slot between pokes of an hours-long run
        poke_interval=60,
        timeout=int(timedelta(hours=12).total_seconds()),
    )
    submit >> wait
