#!/usr/bin/env bash
# Starts local services (PostgreSQL, Redis, NATS JetStream) where they are installed but not
# running. PostgreSQL backs the store and API tests' second run (test/store, test/server); Redis
# and NATS are for the scale-out work. Never fails the caller; it says which ports are up.
set -u
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! up 5432 && command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if ! up 6379 && command -v redis-server >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
fi
if ! up 4222 && [ -x /usr/sbin/nats-server ]; then
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
fi
for port in 5432 6379 4222; do
  for _ in $(seq 1 20); do up "$port" && break; sleep 0.25; done
  up "$port" && echo "services: 127.0.0.1:$port up" || echo "services: 127.0.0.1:$port down"
done
exit 0
