#include "search_model.h"

#include "chat_list_model.h"
#include "look.h"
#include "ui_logging.h"

namespace tidings::ui {

SearchModel::SearchModel(client::SearchIndex *index, ChatListModel *chats, QObject *parent)
    : QAbstractListModel(parent)
    , m_index(index)
    , m_chats(chats) {}

void SearchModel::setQuery(const QString &query) {
    beginResetModel();
    m_query = query.trimmed();
    m_rows.clear();
    m_hits.clear();
    if (!m_query.isEmpty()) {
        const QString folded = m_query.normalized(QString::NormalizationForm_KD);
        QList<Row> chats;
        for (int i = 0; i < m_chats->rowCount(); ++i) {
            const QString title =
                m_chats->data(m_chats->index(i), ChatListModel::TitleRole).toString();
            if (title.normalized(QString::NormalizationForm_KD)
                    .contains(folded, Qt::CaseInsensitive))
                chats.append(Row{Kind::Chat, m_chats->conversationAt(i), title});
        }
        if (!chats.isEmpty()) {
            m_rows.append(Row{Kind::Header, 0, tr("Chats")});
            m_rows.append(chats);
        }
        QElapsedTimer timer;
        timer.start();
        auto hits = m_index->search(m_query, kMaxHits);
        m_lastSearchMs = timer.elapsed();
        if (!hits) {
            qCWarning(lcUiModels) << "search failed:" << hits.error().toString();
        } else if (!hits->isEmpty()) {
            m_hits = *hits;
            m_rows.append(Row{Kind::Header, 0, tr("Messages")});
            for (int i = 0; i < m_hits.size(); ++i) {
                const quint64 conv = m_hits.at(i).message.conversationId;
                m_rows.append(Row{Kind::Message, conv, m_chats->titleOf(conv), i});
            }
        }
    }
    endResetModel();
}

int SearchModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

Qt::ItemFlags SearchModel::flags(const QModelIndex &index) const {
    if (!index.isValid())
        return Qt::NoItemFlags;
    if (m_rows.at(index.row()).kind == Kind::Header)
        return Qt::ItemIsEnabled;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable;
}

QVariant SearchModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows.at(index.row());
    const client::SearchHit *hit = r.hit >= 0 ? &m_hits.at(r.hit) : nullptr;
    switch (role) {
    case Qt::DisplayRole:
    case TitleRole:
        return r.title;
    case Qt::AccessibleTextRole:
        if (hit)
            return tr("%1: %2").arg(r.title, hit->message.text);
        return r.title;
    case KindRole:
        return int(r.kind);
    case ConversationIdRole:
        return r.conversationId;
    case SnippetRole:
        return hit ? hit->highlighted : QString();
    case TimeTextRole:
        return hit ? chatListTime(hit->message.serverTimeMs > 0 ? hit->message.serverTimeMs
                                                                : hit->message.sentAtMs)
                   : QString();
    case SeqRole:
        return hit ? hit->message.seq : 0;
    case AvatarIdRole: {
        const int row = m_chats->rowOf(r.conversationId);
        return row >= 0 ? m_chats->data(m_chats->index(row), ChatListModel::AvatarIdRole)
                        : QVariant(r.conversationId);
    }
    default:
        return {};
    }
}

} // namespace tidings::ui
