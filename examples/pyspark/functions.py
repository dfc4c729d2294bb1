"""LingSpark's SQL functions from PySpark, configured only by conf (README: "SQL functions").

Run it as written:
    spark-submit --jars jobs/target/lingspark-jobs-0.1.0-SNAPSHOT-shaded.jar \
        examples/pyspark/functions.py /models/Ling-mini-2.0
"""
import sys

from pyspark.sql import SparkSession

model = sys.argv[1] if len(sys.argv) > 1 else "/models/Ling-mini-2.0"
spark = (
    SparkSession.builder.appName("lingspark-functions")
    .config("spark.sql.extensions", "io.lingspark.udfs.LingSqlExtensions")
    .config("spark.lingspark.model", model)
    .getOrCreate()
)

reviews = spark.createDataFrame(
    [(1, "The battery lasts two days, great phone."), (2, "Screen cracked after a week.")],
    "id INT, review STRING",
)
reviews.createOrReplaceTempView("reviews")
spark.sql(
    """
    SELECT id,
           ling_token_count(review) AS tokens,
           ling_classify(review, array('positive', 'negative')) AS sentiment,
           ling_extract(review, 'product STRING, problem STRING') AS facts
    FROM reviews ORDER BY id
    """
).show(truncate=False)
spark.stop()
