#include "core/store/database.h"

#include "core/logging.h"
#include "core/store/migrations.h"
#include "core/store/store_crypto.h"
#include "core/store/store_p.h"

#include <QAtomicInteger>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>

namespace tidings::client {

using detail::storageError;

namespace {
QAtomicInteger<quint64> s_connectionCounter;
} // namespace

// --- Transaction -------------------------------------------------------------------------------

Transaction::Transaction(Transaction &&other) noexcept
    : m_db(other.m_db)
    , m_level(other.m_level) {
    other.m_db = nullptr;
}

Transaction::~Transaction() {
    if (m_db)
        m_db->rollbackLevel(m_level);
}

Status Transaction::commit() {
    if (!m_db)
        return Error{ErrorCode::Usage, QStringLiteral("transaction already finished")};
    Database *db = m_db;
    m_db = nullptr;
    return db->commitLevel(m_level);
}

// --- CachedQuery -------------------------------------------------------------------------------

CachedQuery::CachedQuery(QSqlQuery *query, bool *busy, std::unique_ptr<QSqlQuery> owned)
    : m_query(query)
    , m_busy(busy)
    , m_owned(std::move(owned)) {}

CachedQuery::CachedQuery(CachedQuery &&other) noexcept
    : m_query(std::exchange(other.m_query, nullptr))
    , m_busy(std::exchange(other.m_busy, nullptr))
    , m_owned(std::move(other.m_owned)) {}

CachedQuery::~CachedQuery() {
    if (!m_query)
        return;
    m_query->finish();
    if (m_busy)
        *m_busy = false;
}

bool CachedQuery::next() {
    return m_query->next();
}

QVariant CachedQuery::value(int index) const {
    return m_query->value(index);
}

// --- Database ----------------------------------------------------------------------------------

Database::Database(QString connectionName)
    : m_connectionName(std::move(connectionName)) {}

Database::~Database() {
    m_scrubTimer.reset();
    m_cache.clear(); // its statements must go before the connection
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

Result<std::unique_ptr<Database>> Database::open(const QString &path,
                                                 const crypto::SecretBytes &masterKey) {
    const QString name =
        QStringLiteral("tidings-db-%1").arg(s_connectionCounter.fetchAndAddRelaxed(1));
    std::unique_ptr<Database> db(new Database(name));
    db->m_cipher = std::make_unique<detail::StoreCipher>(masterKey);
    if (!db->m_cipher->valid())
        return Error{ErrorCode::Usage, QStringLiteral("the master key must be 32 bytes")};
    {
        QSqlDatabase c = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        c.setDatabaseName(path);
        if (!c.open())
            return storageError(QStringLiteral("cannot open %1").arg(path), c.lastError());
    }
    TIDINGS_TRY(db->configure());

    // The key is checked before anything is changed: a wrong key must not migrate the file.
    const int before = db->schemaVersion();
    if (before < 0)
        return Error{ErrorCode::Storage, QStringLiteral("cannot read the schema version")};
    bool sealed = false;
    if (before > 0) {
        QSqlQuery q = db->query();
        q.prepare(QStringLiteral("SELECT value FROM settings WHERE key = ?"));
        q.addBindValue(QString::fromLatin1(detail::kKeyCheckSetting));
        TIDINGS_TRY(db->exec(q));
        if (q.next()) {
            sealed = true;
            if (!db->m_cipher->matchesKeyCheck(
                    QByteArray::fromBase64(q.value(0).toString().toLatin1())))
                return Error{ErrorCode::BadCredentials,
                             QStringLiteral("the master key does not open this local store")};
        }
    }
    // WAL: readers do not block the writer, and a commit appends instead of rewriting pages.
    TIDINGS_TRY(db->exec(QStringLiteral("PRAGMA journal_mode=WAL")));
    TIDINGS_TRY(detail::migrate(*db));
    if (!sealed)
        TIDINGS_TRY(detail::sealPlaintextCache(*db));
    return db;
}

Status Database::configure() {
    // secure_delete: freed pages and cells are zeroed, so deleted or re-encrypted text, used
    // message keys and consumed prekeys do not linger in the file.
    // Connection settings only: the file is not written before the key is checked.
    for (const char *pragma : {"PRAGMA secure_delete=ON", "PRAGMA synchronous=NORMAL",
                               "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"})
        TIDINGS_TRY(exec(QString::fromLatin1(pragma)));
    return {};
}

int Database::schemaVersion() const {
    QSqlQuery q = query();
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next())
        return -1;
    return q.value(0).toInt();
}

QString Database::filePath() const {
    return QSqlDatabase::database(m_connectionName, false).databaseName();
}

QSqlQuery Database::query() const {
    return QSqlQuery(QSqlDatabase::database(m_connectionName, false));
}

Status Database::exec(QSqlQuery &query) const {
    const QVariantList bound = query.boundValues();
    for (int i = 0; i < bound.size(); ++i) {
        if (bound[i].typeId() == QMetaType::ULongLong)
            query.bindValue(i, qint64(bound[i].toULongLong()));
    }
    if (!query.exec())
        return storageError(query.lastQuery().left(60), query.lastError());
    return {};
}

Status Database::exec(const QString &sql) const {
    QSqlQuery q = query();
    if (!q.exec(sql))
        return storageError(sql.left(60), q.lastError());
    return {};
}

Result<CachedQuery> Database::cached(const char *sql) {
    auto prepared = [&]() -> Result<std::unique_ptr<QSqlQuery>> {
        auto q = std::make_unique<QSqlQuery>(query());
        if (!q->prepare(QString::fromLatin1(sql)))
            return storageError(QString::fromLatin1(sql).left(60), q->lastError());
        return q;
    };
    auto &slot = m_cache[sql];
    if (!slot) {
        auto q = prepared();
        if (!q)
            return q.error();
        slot = std::make_unique<CacheEntry>(CacheEntry{std::move(*q), false});
    }
    if (!slot->busy) {
        slot->busy = true;
        return CachedQuery(slot->query.get(), &slot->busy, nullptr);
    }
    // Still being read further up the stack: a statement of its own for this run.
    auto own = prepared();
    if (!own)
        return own.error();
    QSqlQuery *q = own->get();
    return CachedQuery(q, nullptr, std::move(*own));
}

Result<Transaction> Database::begin() {
    if (m_depth > 0) {
        TIDINGS_TRY(exec(QStringLiteral("SAVEPOINT tidings_%1").arg(m_depth)));
    } else {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (!db.transaction())
            return storageError(QStringLiteral("begin"), db.lastError());
    }
    ++m_depth;
    return Transaction(this, m_depth);
}

Status Database::transaction(const std::function<Status()> &body) {
    auto txn = begin();
    if (!txn)
        return txn.error();
    if (body)
        TIDINGS_TRY(body());
    return txn->commit();
}

Status Database::commitLevel(int level) {
    if (level != m_depth) {
        // An outer level closed while an inner one is open: a bug in the caller. Undo this level
        // (and everything inside it) rather than commit half of it.
        qCWarning(lcStore) << "transaction level" << level << "committed while" << m_depth
                           << "levels are open";
        rollbackLevel(level);
        return Error{ErrorCode::Usage, QStringLiteral("transactions must close innermost first")};
    }
    if (level > 1) {
        --m_depth;
        return exec(QStringLiteral("RELEASE tidings_%1").arg(m_depth));
    }
    m_depth = 0;
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    if (!db.commit()) {
        const auto e = storageError(QStringLiteral("commit"), db.lastError());
        db.rollback();
        return e;
    }
    maybeScrubJournal();
    return {};
}

void Database::scrubJournalSoon() {
    m_scrubPending = true;
    if (m_depth == 0)
        maybeScrubJournal(); // else when the transaction commits
}

void Database::maybeScrubJournal() {
    if (!m_scrubPending || m_depth > 0)
        return;
    constexpr qint64 kMinIntervalMs = 1000;
    const qint64 since = m_sinceScrub.isValid() ? m_sinceScrub.elapsed() : kMinIntervalMs;
    if (since >= kMinIntervalMs) {
        if (scrubJournal())
            return;
    }
    // Within a second of the last scrub (a burst of messages), or a reader held the WAL.
    if (!m_scrubTimer) {
        m_scrubTimer = std::make_unique<QTimer>();
        m_scrubTimer->setSingleShot(true);
        QObject::connect(m_scrubTimer.get(), &QTimer::timeout, m_scrubTimer.get(),
                         [this] { maybeScrubJournal(); });
    }
    if (!m_scrubTimer->isActive())
        m_scrubTimer->start(int(std::clamp<qint64>(kMinIntervalMs - since, 50, kMinIntervalMs)));
}

Status Database::scrubJournal() {
    QSqlQuery q = query();
    if (!q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")))
        return storageError(QStringLiteral("checkpoint"), q.lastError());
    m_sinceScrub.restart();
    // One row: busy (1 when a reader or writer kept it from finishing), WAL frames, frames done.
    if (q.next() && q.value(0).toInt() != 0)
        return Error{ErrorCode::Storage, QStringLiteral("checkpoint blocked by a reader")};
    m_scrubPending = false;
    ++m_scrubs;
    if (m_scrubTimer)
        m_scrubTimer->stop();
    return {};
}

void Database::rollbackLevel(int level) {
    if (level > m_depth)
        return; // already undone with an outer level
    if (level > 1) {
        m_depth = level - 1;
        (void)exec(QStringLiteral("ROLLBACK TO tidings_%1").arg(m_depth));
        (void)exec(QStringLiteral("RELEASE tidings_%1").arg(m_depth));
        return;
    }
    m_depth = 0;
    QSqlDatabase::database(m_connectionName, false).rollback();
}

Status Database::clearAccountData() {
    for (const char *sql :
         {"DELETE FROM outbox", "DELETE FROM messages", "DELETE FROM group_members",
          "DELETE FROM conversations", "DELETE FROM users", "DELETE FROM receipt_times",
          "DELETE FROM receipt_floor", "DELETE FROM attachments", "DELETE FROM transfers",
          "DELETE FROM e2e_recipient_sets", "DELETE FROM security_notices",
          "DELETE FROM group_state", "DELETE FROM group_state_log",
          "DELETE FROM group_state_members", "DELETE FROM group_state_pending",
          "INSERT INTO messages_search(messages_search) VALUES ('delete-all')"})
        TIDINGS_TRY(exec(QString::fromLatin1(sql)));
    return {};
}

} // namespace tidings::client
