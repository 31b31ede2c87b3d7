#include "core/store/search_index.h"

#include "core/store/database.h"
#include "core/store/message_rows.h"
#include "core/store/store_crypto.h"
#include "core/store/store_p.h"

#include <QSet>
#include <QSqlQuery>
#include <QVariant>

namespace tidings::client {

namespace {

QSet<QString> foldedWords(const QString &query) {
    QSet<QString> words;
    for (const detail::SearchWord &w : detail::searchWords(query))
        words.insert(w.folded);
    return words;
}

// The index matched tokens; the decrypted text is marked up word by word the same way.
QString markUp(const QString &text, const QSet<QString> &wanted) {
    QString highlighted;
    qsizetype at = 0;
    for (const detail::SearchWord &w : detail::searchWords(text)) {
        if (!wanted.contains(w.folded))
            continue;
        highlighted += text.mid(at, w.start - at);
        highlighted += SearchIndex::kMatchOpen;
        highlighted += text.mid(w.start, w.length);
        highlighted += SearchIndex::kMatchClose;
        at = w.start + w.length;
    }
    highlighted += text.mid(at);
    return highlighted;
}

} // namespace

Status SearchIndex::add(qint64 messageRowId, const QString &text) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("INSERT INTO messages_search(rowid, tokens) VALUES (?, ?)"));
    q.addBindValue(messageRowId);
    q.addBindValue(m_db.cipher().blindTokens(text));
    return m_db.exec(q);
}

Result<QList<SearchHit>> SearchIndex::search(const QString &query, int limit) const {
    const QStringList tokens = m_db.cipher().queryTokens(query);
    if (tokens.isEmpty())
        return QList<SearchHit>();
    QStringList terms;
    for (const QString &t : tokens)
        terms.append(QStringLiteral("\"%1\"").arg(t));
    QSqlQuery q = m_db.query();
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1 FROM messages_search JOIN messages m"
                             " ON m.id = messages_search.rowid WHERE messages_search MATCH ? AND"
                             " m.hidden = 0 ORDER BY messages_search.rowid DESC LIMIT ?")
                  .arg(QLatin1String(detail::kMessageColumns)));
    q.addBindValue(terms.join(QLatin1Char(' ')));
    q.addBindValue(limit);
    TIDINGS_TRY(m_db.exec(q));
    const QSet<QString> wanted = foldedWords(query);
    QList<SearchHit> out;
    while (q.next()) {
        auto m = detail::readMessage(q, m_db.cipher());
        if (!m)
            return m.error();
        QString highlighted = markUp(m->text, wanted);
        out.append(SearchHit{std::move(*m), std::move(highlighted)});
    }
    return out;
}

QString SearchIndex::highlight(const QString &text, const QString &query) {
    return markUp(text, foldedWords(query));
}

} // namespace tidings::client
