#pragma once
// libpq resolves host names with a blocking getaddrinfo() inside PQconnectStart/PQconnectPoll,
// which would stall the event loop (and every connection on it) for as long as DNS takes. So
// PgConnection looks the names up first, off the loop (QHostInfo), and hands libpq each host
// with its address in `hostaddr` (libpq then connects without a lookup and still uses `host`
// for TLS verification, Kerberos and .pgpass). PgConninfo is the pure part of that: parsing a
// connection string and rewriting it with the addresses found.
//
// Multi-host strings ("host=a,b", "postgresql://a:5432,b:5433/db", with target_session_attrs)
// keep working: each name becomes one entry per address it resolves to, in order, so libpq
// tries them all as it would have; a name that does not resolve is left out, as libpq would
// skip it. Unix-socket paths, literal addresses and entries that already have a hostaddr need
// no lookup. Not seen here: hosts that come from a service file (`service=`); libpq still
// resolves those itself.
#include "protocol/result.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>

#include <vector>

namespace tidings::server {

//! Keywords and values for PQconnectStartParams (expand_dbname 0), in step.
struct PgConnectParams {
    std::vector<QByteArray> keywords;
    std::vector<QByteArray> values;
    //! How long one connection attempt may take; 0: no limit. libpq ignores connect_timeout in
    //! its non-blocking mode, so PgConnection keeps this one: connect_timeout's seconds (at least
    //! 2, as libpq), 10 s when it is not given, none when it is 0.
    int connectTimeoutMs = 10000;
};

//! One host entry of a connection attempt, as libpq will try them.
struct PgHostEntry {
    QString host;     //!< may be empty (the default socket, or hostaddr alone)
    QString hostaddr; //!< empty when libpq resolves or needs no address
    QString port;     //!< empty when none is given
};

class PgConninfo {
public:
    //! Parses "key=value ..." or a postgresql:// URI (PQconninfoParse). Host, hostaddr and port
    //! missing from it are taken from PGHOST, PGHOSTADDR and PGPORT, as libpq would.
    static Result<PgConninfo> parse(const QString &conninfo);

    //! The host names to look up before connecting, each once, in order of appearance.
    QStringList namesToResolve() const;

    //! The parameters to connect with. `addresses` has the lookup answer for each name of
    //! namesToResolve() (a missing or empty list: the name did not resolve). Fails when no
    //! host is left to try; the error names the hosts and `lookupErrors` (name → reason).
    Result<PgConnectParams> connectParams(const QHash<QString, QList<QHostAddress>> &addresses,
                                          const QHash<QString, QString> &lookupErrors = {}) const;

    //! Rotates the host, hostaddr and port lists of `params` by `offset` entries (a single port
    //! applies to every host and stays), so that libpq starts with a later host; returns the
    //! entries in their new order. Lists that do not line up are left as they are.
    static std::vector<PgHostEntry> rotateHosts(PgConnectParams &params, int offset);

    //! True for entries libpq reaches without a name lookup: "" (the default socket), a
    //! socket directory ("/..." or an abstract "@..."), a literal IPv4/IPv6 address.
    static bool needsNoLookup(const QString &host);

private:
    struct Entry {
        QString host;
        QString hostaddr;
        QString port; //!< empty when one port (or none) applies to every host
    };

    std::vector<std::pair<QByteArray, QByteArray>> m_options; //!< all but host/hostaddr/port
    QByteArray m_host, m_hostaddr, m_port;                    //!< as given (or from the env)
    std::vector<Entry> m_entries; //!< empty when the lists do not line up (libpq reports it)
};

} // namespace tidings::server
