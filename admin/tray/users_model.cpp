#include "users_model.h"

#include <QDateTime>
#include <QLocale>

namespace tidings::admin {

namespace {

QString when(double ms) {
    if (ms <= 0)
        return UsersModel::tr("never");
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(qint64(ms)), QLocale::ShortFormat);
}

} // namespace

void UsersModel::setUsers(const QJsonArray &users) {
    beginResetModel();
    m_rows.clear();
    m_rows.reserve(std::size_t(users.size()));
    for (const QJsonValue &u : users)
        if (u.isObject())
            m_rows.push_back(u.toObject());
    endResetModel();
}

QString UsersModel::usernameAt(int row) const {
    return row >= 0 && row < int(m_rows.size())
               ? m_rows[std::size_t(row)].value("username").toString()
               : QString();
}

bool UsersModel::disabledAt(int row) const {
    return row >= 0 && row < int(m_rows.size()) &&
           m_rows[std::size_t(row)].value("disabled").toBool();
}

int UsersModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int UsersModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant UsersModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject &u = m_rows[std::size_t(index.row())];
    switch (role) {
    case UsernameRole:
        return u.value("username").toString();
    case DisabledRole:
        return u.value("disabled").toBool();
    case OnlineRole:
        return u.value("online").toBool();
    case Qt::DisplayRole:
        switch (index.column()) {
        case Username:
            return u.value("username").toString();
        case DisplayName:
            return u.value("display_name").toString();
        case State:
            if (u.value("disabled").toBool())
                return tr("Disabled");
            return u.value("online").toBool() ? tr("Online") : tr("Offline");
        case Devices:
            return u.value("devices").toInt();
        case LastSeen:
            return u.value("online").toBool() ? tr("now")
                                              : when(u.value("last_seen_ms").toDouble());
        case Created:
            return when(u.value("created_ms").toDouble());
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (index.column() == State && u.value("disabled").toBool())
            return tr("Logins and connections are refused until you enable the account again.");
        return {};
    default:
        return {};
    }
}

QVariant UsersModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Username:
        return tr("Username");
    case DisplayName:
        return tr("Name");
    case State:
        return tr("State");
    case Devices:
        return tr("Devices");
    case LastSeen:
        return tr("Last seen");
    case Created:
        return tr("Created");
    default:
        return {};
    }
}

} // namespace tidings::admin
