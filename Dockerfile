# One image for every c2m part; the compose file picks the part with its command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY orchestrator ./orchestrator
COPY workflows ./workflows
COPY adapters ./adapters
COPY simulators ./simulators
COPY catalog ./catalog
COPY plant ./plant
COPY suppliers ./suppliers
COPY stock ./stock
RUN pip install . && useradd --create-home c2m && mkdir -p /app/var && chown c2m /app/var

USER c2m
ENV C2M_VAR_DIR=/app/var \
    C2M_CATALOG_DIR=/app/catalog \
    C2M_PLANT_FILE=/app/plant/default.yaml \
    C2M_SUPPLIERS_FILE=/app/suppliers/default.yaml \
    C2M_STOCK_FILE=/app/stock/initial.yaml
ENTRYPOINT ["c2m"]
CMD ["api"]
