#pragma once
// The client's SQLite file (client.sqlite) and its only schema owner: one connection, the
// versioned migrations of every table in the file (synced data, the E2E tables, the UI's view
// state, the search index), encryption at rest (the key check, and the one-time sealing of a
// cache written before encryption existed), and the one transaction manager every store uses.
//
// The stores over it (storage.h) each own a group of tables; only Database creates or changes a
// table. Everything runs on the thread that opened it.
#include "protocol/result.h"

#include <QElapsedTimer>
#include <QString>
#include <QTimer>

#include <functional>
#include <memory>
#include <unordered_map>

class QSqlQuery;
class QVariant;

namespace tidings::crypto {
class SecretBytes;
}

namespace tidings::client {

namespace detail {
class StoreCipher;
}

class Database;

//! One open level of a transaction: the outermost is BEGIN … COMMIT, nested ones are savepoints,
//! so an inner failure undoes only its own writes and the outer caller decides about the rest.
//! Destroyed without commit(), it rolls its level back. Levels close innermost first.
class [[nodiscard]] Transaction {
public:
    Transaction(Transaction &&other) noexcept;
    Transaction &operator=(Transaction &&) = delete;
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    ~Transaction();

    //! Commits the outermost level (an error rolls it back), releases a savepoint otherwise.
    Status commit();

private:
    friend class Database;
    Transaction(Database *db, int level)
        : m_db(db)
        , m_level(level) {}

    Database *m_db;
    int m_level;
};

//! A run of a statement from Database::cached(): read its rows, then let it go; going resets the
//! statement (finish()), so no read snapshot stays open behind a cached statement.
class [[nodiscard]] CachedQuery {
public:
    CachedQuery(CachedQuery &&other) noexcept;
    CachedQuery &operator=(CachedQuery &&) = delete;
    CachedQuery(const CachedQuery &) = delete;
    CachedQuery &operator=(const CachedQuery &) = delete;
    ~CachedQuery();

    QSqlQuery &query() { return *m_query; }
    bool next();
    QVariant value(int index) const;

private:
    friend class Database;
    CachedQuery(QSqlQuery *query, bool *busy, std::unique_ptr<QSqlQuery> owned);

    QSqlQuery *m_query;
    bool *m_busy; //!< the cache entry's "in use" flag (null for an uncached statement)
    std::unique_ptr<QSqlQuery> m_owned;
};

class Database {
public:
    //! 1: conversations, messages, outbox. 2: groups, members, system events, all-member cursors.
    //! 3: sealed bodies, undecryptable/hidden rows, display names, receipt times. 4: prepared
    //! outbox frames. 5: one owner: the E2E tables, the UI's tables and the search index are
    //! versioned here (adopted as they are from files where other classes created them).
    //! 6: attachments and transfer jobs (media).
    //! 7: recipients of my messages, tampered rows. 8: security notices.
    static constexpr int kSchemaVersion = 10;

    //! Opens (creating if needed) the file at `path` (":memory:" works for tests), migrates it and
    //! checks `masterKey` (32 bytes) against the stored key check. A cache written before
    //! encryption at rest is sealed in place on this first keyed open. Another key than the one
    //! the file was sealed with fails with BadCredentials, and nothing is read or changed.
    static Result<std::unique_ptr<Database>> open(const QString &path,
                                                  const crypto::SecretBytes &masterKey);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    //! The SQLite file (":memory:" for an in-memory database).
    QString filePath() const;
    //! PRAGMA user_version; -1 when it cannot be read.
    int schemaVersion() const;
    //! Seals rows under subkeys of the master key (message texts, outbox payloads, blind tokens).
    const detail::StoreCipher &cipher() const { return *m_cipher; }

    //! A query on the connection; prepare and bind it, then run it with exec().
    QSqlQuery query() const;
    //! Runs a prepared query. Binds quint64 values as integers (Qt 6.4's driver binds them as
    //! text, and SQLite orders any text above any integer). Errors are ErrorCode::Storage.
    Status exec(QSqlQuery &query) const;
    //! Runs one statement without parameters.
    Status exec(const QString &sql) const;
    //! `sql` prepared once for this connection and kept: SQLite parses a statement in about as
    //! long as it takes to run a keyed lookup, and the E2E tables are read and written hundreds
    //! of times for a big group's first message. Keyed by the address of `sql` (pass a string
    //! literal). A statement whose earlier run is still being read is prepared afresh. Bind with
    //! query().bindValue(), then run it with exec().
    Result<CachedQuery> cached(const char *sql);

    //! Opens a transaction level (BEGIN, or a SAVEPOINT inside an open one).
    Result<Transaction> begin();
    //! Runs `body` in one level: commits when it succeeds, rolls back when it fails. Any store
    //! method called from `body` joins it.
    Status transaction(const std::function<Status()> &body);
    //! Open levels (0: no transaction).
    int transactionDepth() const { return m_depth; }

    //! Key material was written or deleted. SQLite's secure_delete zeroes freed space in the
    //! main file only: the old pages stay in the -wal file until it is checkpointed and
    //! truncated, and an old ratchet state there would undo forward secrecy for anyone who later
    //! gets the master key. Truncates the WAL at most once a second: now, when the open
    //! transaction commits, or on a timer for a change inside the second after the last one.
    void scrubJournalSoon();
    //! The checkpoint with truncation, now (ends any pending one). Fails while a reader holds
    //! the WAL (then retried by scrubJournalSoon's timer).
    Status scrubJournal();
    //! Completed scrubs (tests).
    int journalScrubs() const { return m_scrubs; }

    //! Empties every table that caches one account's synced data (conversations, members,
    //! profiles, receipt times, messages, outbox, attachments and transfers, the search index), for
    //! a change of account.
    //! The E2E tables and the UI's preferences stay. Runs in the caller's transaction.
    Status clearAccountData();

private:
    friend class Transaction;
    explicit Database(QString connectionName);
    Status configure();
    Status commitLevel(int level);
    void rollbackLevel(int level);
    //! A pending scrub runs if the last one is a second old, else the timer is set for then.
    void maybeScrubJournal();

    struct CacheEntry {
        std::unique_ptr<QSqlQuery> query;
        bool busy = false;
    };

    QString m_connectionName;
    std::unique_ptr<detail::StoreCipher> m_cipher;
    int m_depth = 0;
    std::unordered_map<const char *, std::unique_ptr<CacheEntry>> m_cache;
    bool m_scrubPending = false;
    int m_scrubs = 0;
    QElapsedTimer m_sinceScrub;
    std::unique_ptr<QTimer> m_scrubTimer; //!< created on first use (the event loop's thread)
};

} // namespace tidings::client
