#include "db/pg_conninfo.h"

#include <libpq-fe.h>

#include <algorithm>

namespace tidings::server {

namespace {
QStringList splitList(const QByteArray &list) {
    return QString::fromUtf8(list).split(QLatin1Char(','));
}

QByteArray fromEnvIfMissing(const char *value, const char *variable) {
    if (value)
        return QByteArray(value);
    return qgetenv(variable); // empty when unset: the option stays absent
}
} // namespace

bool PgConninfo::needsNoLookup(const QString &host) {
    if (host.isEmpty() || host.startsWith(QLatin1Char('/')) || host.startsWith(QLatin1Char('@')))
        return true;
    return !QHostAddress(host).isNull();
}

Result<PgConninfo> PgConninfo::parse(const QString &conninfo) {
    char *err = nullptr;
    PQconninfoOption *options = PQconninfoParse(conninfo.toUtf8().constData(), &err);
    if (!options) {
        const QString why =
            err ? QString::fromUtf8(err).trimmed() : QStringLiteral("out of memory");
        PQfreemem(err);
        return Error{ErrorCode::Internal,
                     QStringLiteral("invalid database connection string: %1").arg(why)};
    }
    PgConninfo out;
    const char *host = nullptr, *hostaddr = nullptr, *port = nullptr;
    for (PQconninfoOption *o = options; o->keyword; ++o) {
        const QByteArray key(o->keyword);
        if (key == "host")
            host = o->val;
        else if (key == "hostaddr")
            hostaddr = o->val;
        else if (key == "port")
            port = o->val;
        else if (o->val)
            out.m_options.emplace_back(key, QByteArray(o->val));
    }
    out.m_host = fromEnvIfMissing(host, "PGHOST");
    out.m_hostaddr = fromEnvIfMissing(hostaddr, "PGHOSTADDR");
    out.m_port = fromEnvIfMissing(port, "PGPORT");
    PQconninfoFree(options);

    if (out.m_host.isEmpty())
        return out; // the default socket, or hostaddr alone: nothing to look up
    const QStringList hosts = splitList(out.m_host);
    const QStringList addrs = out.m_hostaddr.isEmpty() ? QStringList() : splitList(out.m_hostaddr);
    const QStringList ports = out.m_port.isEmpty() ? QStringList() : splitList(out.m_port);
    // Lists that do not line up are libpq's to report (it checks before any lookup).
    if (!addrs.isEmpty() && addrs.size() != hosts.size())
        return out;
    if (ports.size() > 1 && ports.size() != hosts.size())
        return out;
    for (qsizetype i = 0; i < hosts.size(); ++i)
        out.m_entries.push_back(Entry{hosts[i], addrs.isEmpty() ? QString() : addrs[i],
                                      ports.size() > 1 ? ports[i] : QString()});
    return out;
}

QStringList PgConninfo::namesToResolve() const {
    QStringList names;
    for (const auto &e : m_entries)
        if (e.hostaddr.isEmpty() && !needsNoLookup(e.host) && !names.contains(e.host))
            names << e.host;
    return names;
}

std::vector<PgHostEntry> PgConninfo::rotateHosts(PgConnectParams &params, int offset) {
    const auto valueOf = [&params](const char *key) -> QByteArray * {
        for (std::size_t i = 0; i < params.keywords.size(); ++i)
            if (params.keywords[i] == key)
                return &params.values[i];
        return nullptr;
    };
    QByteArray *values[3] = {valueOf("host"), valueOf("hostaddr"), valueOf("port")};
    QList<QByteArray> lists[3];
    qsizetype n = 1;
    for (int k = 0; k < 3; ++k) {
        if (values[k])
            lists[k] = values[k]->split(',');
        if (k < 2)
            n = std::max(n, lists[k].size());
    }
    bool linedUp = true;
    for (int k = 0; k < 3; ++k)
        linedUp = linedUp && (lists[k].size() <= 1 || lists[k].size() == n);
    linedUp = linedUp && (lists[0].isEmpty() || lists[0].size() == n) &&
              (lists[1].isEmpty() || lists[1].size() == n);
    if (linedUp && n > 1) {
        const qsizetype by = ((offset % n) + n) % n;
        for (int k = 0; k < 3; ++k) {
            if (lists[k].size() != n || by == 0)
                continue;
            std::rotate(lists[k].begin(), lists[k].begin() + by, lists[k].end());
            *values[k] = lists[k].join(',');
        }
    }
    std::vector<PgHostEntry> entries;
    for (qsizetype i = 0; i < n; ++i) {
        const auto at = [&](int k) {
            const auto &l = lists[k];
            return QString::fromUtf8(l.size() == n ? l[i] : l.value(0));
        };
        entries.push_back(PgHostEntry{at(0), at(1), at(2)});
    }
    return entries;
}

Result<PgConnectParams>
PgConninfo::connectParams(const QHash<QString, QList<QHostAddress>> &addresses,
                          const QHash<QString, QString> &lookupErrors) const {
    PgConnectParams params;
    for (const auto &[key, value] : m_options) {
        params.keywords.push_back(key);
        params.values.push_back(value);
        if (key == "connect_timeout") {
            // libpq's rule: whole seconds, 0 or less waits forever, less than 2 means 2.
            const int seconds = value.trimmed().toInt();
            params.connectTimeoutMs = seconds <= 0 ? 0 : std::max(seconds, 2) * 1000;
        }
    }
    auto add = [&params](const char *key, const QByteArray &value) {
        if (value.isEmpty())
            return;
        params.keywords.emplace_back(key);
        params.values.push_back(value);
    };
    if (namesToResolve().isEmpty()) {
        add("host", m_host);
        add("hostaddr", m_hostaddr);
        add("port", m_port);
        return params;
    }

    std::vector<Entry> entries;
    QStringList unresolved;
    for (const auto &e : m_entries) {
        if (!e.hostaddr.isEmpty() || needsNoLookup(e.host)) {
            entries.push_back(e);
            continue;
        }
        const QList<QHostAddress> found = addresses.value(e.host);
        for (const auto &a : found)
            entries.push_back(Entry{e.host, a.toString(), e.port});
        if (found.isEmpty() && !unresolved.contains(e.host)) {
            const QString why = lookupErrors.value(e.host);
            unresolved << (why.isEmpty() ? QStringLiteral("\"%1\"").arg(e.host)
                                         : QStringLiteral("\"%1\" (%2)").arg(e.host, why));
        }
    }
    if (entries.empty())
        return Error{ErrorCode::Internal, QStringLiteral("could not resolve host name %1")
                                              .arg(unresolved.join(QStringLiteral(", ")))};

    QStringList hosts, addrs, ports;
    bool perHostPorts = false;
    for (const auto &e : entries) {
        hosts << e.host;
        addrs << e.hostaddr;
        ports << e.port;
        perHostPorts = perHostPorts || !e.port.isEmpty();
    }
    add("host", hosts.join(QLatin1Char(',')).toUtf8());
    add("hostaddr", addrs.join(QLatin1Char(',')).toUtf8());
    add("port", perHostPorts ? ports.join(QLatin1Char(',')).toUtf8() : m_port);
    return params;
}

} // namespace tidings::server
