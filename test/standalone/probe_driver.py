"""A minimal Spark driver: registers with the master it is submitted to and sums 0..9 on its executors."""

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("kindling-probe").getOrCreate()
total = spark.sparkContext.parallelize(range(10), 2).sum()
print("REGISTERED", spark.sparkContext.applicationId, total, flush=True)
spark.stop()
