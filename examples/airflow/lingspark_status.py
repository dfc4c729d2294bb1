"""Reading a LingSpark ``--status-file`` from Airflow: a sensor's poke function and its helpers.

The file may be local or on any filesystem the job can write (``hdfs://``, ``s3a://``, ``gs://``):
in cluster deploy mode the driver runs in a container Airflow cannot see, so point the status file
at shared storage. Remote paths are read with fsspec (installed with Airflow); ``s3a://`` is read
as ``s3://`` and ``hdfs://`` needs pyarrow (or use ``webhdfs://``).

The job writes each document whole (a rename, or one PUT on object stores), so a read never sees
half a file. Its last state is ``succeeded`` or ``failed``; a killed driver cannot write either,
so a ``running`` file whose ``heartbeat_at`` stopped moving is a dead job.
"""
import json
from datetime import datetime, timedelta, timezone


def read_status(path):
    """The status document, or None when the job has not written it yet."""
    if "://" not in path or path.startswith("file://"):
        local = path[len("file://"):] if path.startswith("file://") else path
        try:
            with open(local) as f:
                return json.load(f)
        except FileNotFoundError:
            return None
    import fsspec  # only for remote paths

    url = "s3://" + path[len("s3a://"):] if path.startswith("s3a://") else path
    try:
        with fsspec.open(url, "r") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def status_is_stale(status, max_age=timedelta(minutes=5), now=None):
    """The job says it is running but its driver stopped writing (``status`` is a document or a path)."""
    if isinstance(status, str):
        status = read_status(status)
        if status is None:
            return False
    beat = datetime.fromisoformat(status["heartbeat_at"].replace("Z", "+00:00"))
    now = now or datetime.now(timezone.utc)
    return status["state"] == "running" and now - beat > max_age


def poke_status(path, max_age=timedelta(minutes=5), now=None):
    """For a PythonSensor: True once the job succeeded, False while it runs (or has not written yet).

    Raises AirflowFailException (no retry of the sensor) when the job failed or when its heartbeat
    is older than ``max_age`` (a dead driver). A job that never starts is the sensor's ``timeout``.
    Keep ``max_age`` well above the job's ``--status-interval-ms``.
    """
    status = read_status(path)
    if status is None:
        return False
    if status["state"] == "succeeded":
        return True
    if status["state"] == "failed":
        _fail(f"lingspark run {status.get('run_id')} failed: {status.get('message')}")
    if status_is_stale(status, max_age, now):
        _fail(f"lingspark run {status.get('run_id')}: no heartbeat since {status['heartbeat_at']} "
              f"(over {max_age}): the driver is gone")
    print(f"lingspark run {status.get('run_id')}: {status['rows_done']}/{status['rows_total']} rows, "
          f"{status.get('rows_error', 0)} errors, eta {status.get('eta_s')} s")
    return False


def _fail(message):
    try:
        from airflow.exceptions import AirflowFailException
    except ImportError:  # outside Airflow (tests, scripts)
        raise RuntimeError(message)
    raise AirflowFailException(message)
