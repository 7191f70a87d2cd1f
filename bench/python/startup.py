"""Fixed overhead of any Spark run here: start the JVM and a SparkSession, run one trivial job, stop.

The benchmark times this whole process from outside; the job is only there so the executors exist.
"""

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("kindling bench startup").getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
spark.range(1).count()
spark.stop()
