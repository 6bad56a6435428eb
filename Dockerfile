# One image for pocc's proxy and its worker; the command chooses which runs.
#
#   docker build -t pocc .
#   docker run --env-file pocc.env -p 8000:8000 pocc                    # the proxy
#   docker run --env-file pocc.env pocc python -m pocc worker           # a worker
#   docker run --rm --user "$(id -u)" -v "$PWD/dist:/out" pocc \
#       python -m pocc solution pack --managed --out /out               # the solution zip
#
# Settings come from POCC_ environment variables only (see docs/admin-guide.md); the
# image holds no secret and the containers keep nothing on disk.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GUNICORN_CMD_ARGS="--bind=0.0.0.0:8000"

WORKDIR /app

# The pinned runtime requirements only (never the development ones), in a layer of
# their own so that a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

RUN useradd --create-home --user-group --uid 10001 pocc

COPY app.py gunicorn.conf.py ./
COPY pocc/ pocc/
# `solution pack` reads the unpacked solution and the web resources it maps.
COPY solution/ solution/
COPY webresources/pocc_/ webresources/pocc_/

USER pocc

# gunicorn.conf.py binds 127.0.0.1:8000 for a host install; GUNICORN_CMD_ARGS above
# keeps its port and listens on every interface of the container instead.
EXPOSE 8000

CMD ["gunicorn", "app:app", "-c", "gunicorn.conf.py"]
