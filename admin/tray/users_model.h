#pragma once
// The users page's table (tray app): the admin API's users.list answer as rows. Replaced as a
// whole on each refresh, keeping nothing the server did not say.
#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>

#include <vector>

namespace tidings::admin {

class UsersModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Username, DisplayName, State, Devices, LastSeen, Created, ColumnCount };
    enum Role { UsernameRole = Qt::UserRole + 1, DisabledRole, OnlineRole };

    using QAbstractTableModel::QAbstractTableModel;

    //! Rows from users.list (one object per user).
    void setUsers(const QJsonArray &users);
    QString usernameAt(int row) const;
    bool disabledAt(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::vector<QJsonObject> m_rows;
};

} // namespace tidings::admin
