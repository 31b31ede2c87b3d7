#include "core/store/view_store.h"
#include "core/store/local_store_p.h"
#include "core/store/store_crypto.h"

#include "core/logging.h"

#include <QAtomicInteger>
#include <QDateTime>
#include <QRegularExpression>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>

namespace tidings::client {

using detail::storageError;

namespace {

QAtomicInteger<quint64> s_viewCounter;

// Re-applied on every open (all IF NOT EXISTS).
const char *const kViewTables[] = {
    "CREATE TABLE IF NOT EXISTS ui_chat_prefs ("
    " conversation_id INTEGER PRIMARY KEY,"
    " pinned INTEGER NOT NULL DEFAULT 0,"
    " muted INTEGER NOT NULL DEFAULT 0,"
    " draft TEXT NOT NULL DEFAULT '',"
    " draft_ms INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS ui_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
};

// The plaintext search index of unencrypted stores (an encrypted store's blind index belongs to
// LocalStore, which computes the tokens). Re-applied on every open: a migration of LocalStore
// that rebuilds the messages table drops its triggers, and they come back here.
const char *const kPlainSearchSchema[] = {
    "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(text, content='messages',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_ai AFTER INSERT ON messages BEGIN"
    " INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_ad AFTER DELETE ON messages BEGIN"
    " INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);"
    " END",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_au AFTER UPDATE OF text ON messages BEGIN"
    " INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);"
    " INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
};

QString cols() {
    return QString::fromLatin1(detail::kMessageColumns);
}

//! Where the columns after kMessageColumns start.
int afterMessageColumns() {
    static const int n = int(QByteArray(detail::kMessageColumns).count(',')) + 1;
    return n;
}

qint64 activityOf(const MessageRecord &m) {
    if (m.serverTimeMs > 0)
        return m.serverTimeMs;
    return m.sentAtMs > 0 ? m.sentAtMs : m.receivedAtMs;
}

// Every word becomes a prefix query term; quotes keep FTS5 syntax out of user input.
QString ftsQuery(const QString &input) {
    static const QRegularExpression separators(QStringLiteral("[^\\p{L}\\p{N}]+"));
    QStringList terms;
    for (const QString &word : input.split(separators, Qt::SkipEmptyParts))
        terms.append(QStringLiteral("\"%1\"*").arg(word));
    return terms.join(QLatin1Char(' '));
}

} // namespace

ViewStore::ViewStore(QString connectionName, quint64 myUserId)
    : m_connectionName(std::move(connectionName))
    , m_myUserId(myUserId) {}

ViewStore::~ViewStore() {
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

Result<std::unique_ptr<ViewStore>> ViewStore::open(const QString &path, quint64 myUserId) {
    return openImpl(path, myUserId, nullptr);
}

Result<std::unique_ptr<ViewStore>> ViewStore::open(const QString &path, quint64 myUserId,
                                                   const crypto::SecretBytes &masterKey) {
    return openImpl(path, myUserId, &masterKey);
}

Result<std::unique_ptr<ViewStore>> ViewStore::openImpl(const QString &path, quint64 myUserId,
                                                       const crypto::SecretBytes *masterKey) {
    const QString name = QStringLiteral("tidings-view-%1").arg(s_viewCounter.fetchAndAddRelaxed(1));
    std::unique_ptr<ViewStore> store(new ViewStore(name, myUserId));
    if (masterKey) {
        store->m_cipher = std::make_unique<detail::StoreCipher>(*masterKey);
        if (!store->m_cipher->valid())
            return Error{ErrorCode::Usage, QStringLiteral("the master key must be 32 bytes")};
    }
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        if (!db.open())
            return storageError(QStringLiteral("cannot open %1").arg(path), db.lastError());
        QSqlQuery q(db);
        q.exec(QStringLiteral("PRAGMA busy_timeout=5000"));
        // Drafts and settings are deleted here too: freed cells are zeroed.
        if (!q.exec(QStringLiteral("PRAGMA secure_delete=ON")))
            return storageError(QStringLiteral("secure_delete"), q.lastError());
    }
    if (auto s = store->checkKey(); !s)
        return s.error();
    if (auto s = store->migrate(); !s)
        return s.error();
    return store;
}

Status ViewStore::checkKey() {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT value FROM settings WHERE key = ?"));
    q.addBindValue(QString::fromLatin1(detail::kKeyCheckSetting));
    if (!q.exec())
        return storageError(QStringLiteral("key check"), q.lastError());
    const bool encrypted = q.next();
    if (!m_cipher && !encrypted)
        return {};
    if (!m_cipher)
        return Error{ErrorCode::BadCredentials,
                     QStringLiteral("the local store is encrypted: it needs the master key")};
    if (!encrypted)
        return Error{ErrorCode::Storage,
                     QStringLiteral("the local store is not encrypted yet: open LocalStore first")};
    if (!m_cipher->matchesKeyCheck(QByteArray::fromBase64(q.value(0).toString().toLatin1())))
        return Error{ErrorCode::BadCredentials,
                     QStringLiteral("the master key does not open this local store")};
    return {};
}

Status ViewStore::migrate() {
    QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    QSqlQuery q(db);
    if (m_cipher) {
        if (!db.transaction())
            return storageError(QStringLiteral("begin"), db.lastError());
        for (const char *sql : kViewTables) {
            if (!q.exec(QString::fromLatin1(sql))) {
                const auto e = storageError(QString::fromLatin1(sql).left(60), q.lastError());
                db.rollback();
                return e;
            }
        }
        if (!q.exec(QStringLiteral("CREATE INDEX IF NOT EXISTS ui_messages_pending ON "
                                   "messages(conversation_id, id) WHERE seq IS NULL"))) {
            const auto e = storageError(QStringLiteral("index"), q.lastError());
            db.rollback();
            return e;
        }
        if (!db.commit())
            return storageError(QStringLiteral("commit"), db.lastError());
        m_hasEvents = true;
        return {};
    }
    if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name "
                               "= 'messages_fts_ai'")))
        return storageError(QStringLiteral("schema"), q.lastError());
    const bool hadTriggers = q.next() && q.value(0).toInt() > 0;
    q.finish();
    if (!db.transaction())
        return storageError(QStringLiteral("begin"), db.lastError());
    QList<const char *> statements;
    for (const char *sql : kViewTables)
        statements.append(sql);
    for (const char *sql : kPlainSearchSchema)
        statements.append(sql);
    for (const char *sql : statements) {
        if (!q.exec(QString::fromLatin1(sql))) {
            const auto e = storageError(QString::fromLatin1(sql).left(60), q.lastError());
            db.rollback();
            return e;
        }
    }
    // Rows written while the triggers were missing are not indexed: index everything again.
    if (!hadTriggers &&
        !q.exec(QStringLiteral("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')"))) {
        const auto e = storageError(QStringLiteral("fts rebuild"), q.lastError());
        db.rollback();
        return e;
    }
    if (!q.exec(QStringLiteral("CREATE INDEX IF NOT EXISTS ui_messages_pending ON "
                               "messages(conversation_id, id) WHERE seq IS NULL"))) {
        const auto e = storageError(QStringLiteral("index"), q.lastError());
        db.rollback();
        return e;
    }
    if (!db.commit())
        return storageError(QStringLiteral("commit"), db.lastError());
    // System events (schema 2 of LocalStore) never count as unread.
    if (q.exec(QStringLiteral("SELECT 1 FROM pragma_table_info('messages')"
                              " WHERE name = 'event_kind'")))
        m_hasEvents = q.next();
    return {};
}

namespace {
QString summarySql(bool one, bool hasEvents) {
    // The last message is the newest pending one, else the one with the highest seq.
    return QStringLiteral("SELECT %1, c.id,"
                          " (SELECT COUNT(*) FROM messages u WHERE u.conversation_id = c.id"
                          "  AND u.seq > c.my_read_seq AND u.outgoing = 0 AND u.hidden = 0"
                          "  AND u.sender_user_id != :me%3),"
                          " COALESCE(p.pinned, 0), COALESCE(p.muted, 0), COALESCE(p.draft, ''),"
                          " COALESCE(p.draft_ms, 0), c.kind, c.name, c.peer_username, %4"
                          " FROM conversations c"
                          " LEFT JOIN ui_chat_prefs p ON p.conversation_id = c.id"
                          " LEFT JOIN messages m ON m.id = COALESCE("
                          "  (SELECT MAX(x.id) FROM messages x WHERE x.conversation_id = c.id"
                          "   AND x.seq IS NULL),"
                          "  (SELECT y.id FROM messages y WHERE y.conversation_id = c.id"
                          "   AND y.seq IS NOT NULL AND y.hidden = 0 ORDER BY y.seq DESC LIMIT 1))"
                          "%2")
        .arg(cols(), one ? QStringLiteral(" WHERE c.id = :id") : QString(),
             hasEvents ? QStringLiteral(" AND u.event_kind IS NULL") : QString(),
             detail::peerDisplayNameSql("c"));
}

Result<ChatSummary> readSummary(QSqlQuery &q, const detail::StoreCipher *cipher) {
    const int o = afterMessageColumns();
    ChatSummary s;
    s.conversationId = q.value(o).toULongLong();
    s.unread = q.value(o + 1).toInt();
    s.pinned = q.value(o + 2).toBool();
    s.muted = q.value(o + 3).toBool();
    s.draft = q.value(o + 4).toString();
    s.activityMs = q.value(o + 5).toLongLong();
    const bool group = q.value(o + 6).toInt() == int(ConversationKind::Group);
    const QString displayName = q.value(o + 9).toString();
    s.title = group ? q.value(o + 7).toString()
                    : (displayName.isEmpty() ? q.value(o + 8).toString() : displayName);
    if (!q.value(0).isNull()) {
        auto m = detail::readMessage(q, cipher);
        if (!m)
            return m.error();
        s.lastMessage = std::move(*m);
        s.activityMs = std::max(s.activityMs, activityOf(*s.lastMessage));
    }
    return s;
}
} // namespace

Result<QList<ChatSummary>> ViewStore::chatSummaries() const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.setForwardOnly(true);
    q.prepare(summarySql(false, m_hasEvents));
    q.bindValue(QStringLiteral(":me"), m_myUserId);
    if (!q.exec())
        return storageError(QStringLiteral("chat summaries"), q.lastError());
    QList<ChatSummary> out;
    while (q.next()) {
        auto s = readSummary(q, m_cipher.get());
        if (!s)
            return s.error();
        out.append(std::move(*s));
    }
    return out;
}

Result<ChatSummary> ViewStore::chatSummary(quint64 conversationId) const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(summarySql(true, m_hasEvents));
    q.bindValue(QStringLiteral(":me"), m_myUserId);
    q.bindValue(QStringLiteral(":id"), conversationId);
    if (!q.exec())
        return storageError(QStringLiteral("chat summary"), q.lastError());
    if (!q.next())
        return Error{ErrorCode::NoSuchConversation, QStringLiteral("no such chat")};
    return readSummary(q, m_cipher.get());
}

Result<QList<MessageRecord>> ViewStore::latest(quint64 conversationId, int limit,
                                               quint64 fromSeq) const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.setForwardOnly(true);
    if (fromSeq > 0) {
        q.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.conversation_id = ? AND"
                                 " m.seq >= ? AND m.hidden = 0 ORDER BY m.seq DESC")
                      .arg(cols()));
        q.addBindValue(conversationId);
        q.addBindValue(fromSeq);
    } else {
        q.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.conversation_id = ? AND"
                                 " m.seq IS NOT NULL AND m.hidden = 0 ORDER BY m.seq DESC LIMIT ?")
                      .arg(cols()));
        q.addBindValue(conversationId);
        q.addBindValue(limit);
    }
    if (!q.exec())
        return storageError(QStringLiteral("latest"), q.lastError());
    QList<MessageRecord> out;
    while (q.next()) {
        auto m = detail::readMessage(q, m_cipher.get());
        if (!m)
            return m.error();
        out.append(std::move(*m));
    }
    std::reverse(out.begin(), out.end());
    QSqlQuery p(QSqlDatabase::database(m_connectionName));
    p.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.conversation_id = ? AND"
                             " m.seq IS NULL ORDER BY m.id")
                  .arg(cols()));
    p.addBindValue(conversationId);
    if (!p.exec())
        return storageError(QStringLiteral("pending"), p.lastError());
    while (p.next()) {
        auto m = detail::readMessage(p, m_cipher.get());
        if (!m)
            return m.error();
        out.append(std::move(*m));
    }
    return out;
}

Result<QList<MessageRecord>> ViewStore::olderThan(quint64 conversationId, quint64 beforeSeq,
                                                  int limit) const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.conversation_id = ? AND"
                             " m.seq < ? AND m.hidden = 0 ORDER BY m.seq DESC LIMIT ?")
                  .arg(cols()));
    q.addBindValue(conversationId);
    q.addBindValue(beforeSeq);
    q.addBindValue(limit);
    if (!q.exec())
        return storageError(QStringLiteral("older"), q.lastError());
    QList<MessageRecord> out;
    while (q.next()) {
        auto m = detail::readMessage(q, m_cipher.get());
        if (!m)
            return m.error();
        out.append(std::move(*m));
    }
    std::reverse(out.begin(), out.end());
    return out;
}

Result<std::optional<MessageRecord>> ViewStore::messageByRowId(qint64 rowId) const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(
        QStringLiteral("SELECT %1 FROM messages m WHERE m.id = ? AND m.hidden = 0").arg(cols()));
    q.addBindValue(rowId);
    if (!q.exec())
        return storageError(QStringLiteral("message"), q.lastError());
    if (!q.next())
        return std::optional<MessageRecord>();
    auto m = detail::readMessage(q, m_cipher.get());
    if (!m)
        return m.error();
    return std::optional<MessageRecord>(std::move(*m));
}

Result<QList<SearchHit>> ViewStore::search(const QString &query, int limit) const {
    if (m_cipher)
        return searchBlind(query, limit);
    const QString match = ftsQuery(query);
    if (match.isEmpty())
        return QList<SearchHit>();
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral(
                  "SELECT %1, highlight(messages_fts, 0, char(2), char(3))"
                  " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
                  " WHERE messages_fts MATCH ? AND m.hidden = 0 ORDER BY messages_fts.rowid DESC"
                  " LIMIT ?")
                  .arg(cols()));
    q.addBindValue(match);
    q.addBindValue(limit);
    if (!q.exec())
        return storageError(QStringLiteral("search"), q.lastError());
    QList<SearchHit> out;
    while (q.next()) {
        auto m = detail::readMessage(q, nullptr);
        if (!m)
            return m.error();
        out.append(SearchHit{std::move(*m), q.value(afterMessageColumns()).toString()});
    }
    return out;
}

Result<QList<SearchHit>> ViewStore::searchBlind(const QString &query, int limit) const {
    const QStringList tokens = m_cipher->queryTokens(query);
    if (tokens.isEmpty())
        return QList<SearchHit>();
    QStringList terms;
    for (const QString &t : tokens)
        terms.append(QStringLiteral("\"%1\"").arg(t));
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1 FROM messages_search JOIN messages m"
                             " ON m.id = messages_search.rowid WHERE messages_search MATCH ? AND"
                             " m.hidden = 0 ORDER BY messages_search.rowid DESC LIMIT ?")
                  .arg(cols()));
    q.addBindValue(terms.join(QLatin1Char(' ')));
    q.addBindValue(limit);
    if (!q.exec())
        return storageError(QStringLiteral("search"), q.lastError());
    // The index matched tokens; the decrypted text is marked up word by word the same way.
    QSet<QString> wanted;
    for (const detail::SearchWord &w : detail::searchWords(query))
        wanted.insert(w.folded);
    QList<SearchHit> out;
    while (q.next()) {
        auto m = detail::readMessage(q, m_cipher.get());
        if (!m)
            return m.error();
        QString highlighted;
        qsizetype at = 0;
        for (const detail::SearchWord &w : detail::searchWords(m->text)) {
            if (!wanted.contains(w.folded))
                continue;
            highlighted += m->text.mid(at, w.start - at);
            highlighted += kMatchOpen;
            highlighted += m->text.mid(w.start, w.length);
            highlighted += kMatchClose;
            at = w.start + w.length;
        }
        highlighted += m->text.mid(at);
        out.append(SearchHit{std::move(*m), highlighted});
    }
    return out;
}

Result<QList<ReceiptTime>> ViewStore::receiptTimes(quint64 conversationId, quint64 seq) const {
    return detail::receiptTimes(m_connectionName, conversationId, seq);
}

Status ViewStore::setPref(quint64 conversationId, const char *column, const QVariant &value) {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("INSERT INTO ui_chat_prefs(conversation_id, %1) VALUES (?, ?)"
                             " ON CONFLICT(conversation_id) DO UPDATE SET %1 = excluded.%1")
                  .arg(QLatin1String(column)));
    q.addBindValue(conversationId);
    q.addBindValue(value);
    if (!q.exec())
        return storageError(QStringLiteral("chat prefs"), q.lastError());
    return {};
}

Status ViewStore::setDraft(quint64 conversationId, const QString &text) {
    if (auto s = setPref(conversationId, "draft", detail::nn(text)); !s)
        return s;
    return setPref(conversationId, "draft_ms",
                   text.isEmpty() ? 0 : QDateTime::currentMSecsSinceEpoch());
}

Result<QString> ViewStore::draft(quint64 conversationId) const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT draft FROM ui_chat_prefs WHERE conversation_id = ?"));
    q.addBindValue(conversationId);
    if (!q.exec())
        return storageError(QStringLiteral("draft"), q.lastError());
    return q.next() ? q.value(0).toString() : QString();
}

Status ViewStore::setPinned(quint64 conversationId, bool pinned) {
    return setPref(conversationId, "pinned", pinned ? 1 : 0);
}

Status ViewStore::setMuted(quint64 conversationId, bool muted) {
    return setPref(conversationId, "muted", muted ? 1 : 0);
}

QString ViewStore::setting(const QString &key, const QString &fallback) const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT value FROM ui_settings WHERE key = ?"));
    q.addBindValue(key);
    if (!q.exec() || !q.next())
        return fallback;
    return q.value(0).toString();
}

Status ViewStore::setSetting(const QString &key, const QString &value) {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO ui_settings(key, value) VALUES (?, ?)"));
    q.addBindValue(key);
    q.addBindValue(detail::nn(value));
    if (!q.exec())
        return storageError(QStringLiteral("setting"), q.lastError());
    return {};
}

} // namespace tidings::client
