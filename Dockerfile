# The image examples/submit-k8s.sh runs: Spark 4.1 (Scala 2.13, Java 17) with the LingSpark shaded jar
# and conf/ under /opt/lingspark. Build the jar first, then the image, from the repository's root:
#   ./mvnw -B package -DskipTests
#   docker build -t registry.example.com/lingspark:0.1.0 .
# GPUs: the NVIDIA container runtime mounts the driver into the pod (JCuda needs only libcuda); the
# CUDA kernels are inside the jar (a fatbin, built where nvcc was found at build time).
# The model is not in the image: mount it at /models (a PVC or a node-local hostPath).
ARG SPARK_IMAGE=apache/spark:4.1.3-scala2.13-java17-ubuntu
FROM ${SPARK_IMAGE}
# The jar the build makes (jobs/pom.xml: the shade plugin's -shaded classifier); the examples name the copy.
ARG LINGSPARK_JAR=jobs/target/lingspark-jobs-0.1.0-SNAPSHOT-shaded.jar
USER root
COPY ${LINGSPARK_JAR} /opt/lingspark/lingspark-jobs-shaded.jar
COPY conf/ /opt/lingspark/conf/
COPY bin/lingspark /opt/lingspark/bin/lingspark
RUN chmod 0755 /opt/lingspark/conf/gpu-discovery.sh /opt/lingspark/bin/lingspark \
    && chmod -R a+rX /opt/lingspark
# The official image's unprivileged user (uid 185)
USER spark
