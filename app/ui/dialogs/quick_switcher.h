#pragma once
// Ctrl+K: type a few letters of a chat's name, Enter opens it.
#include <QDialog>

class QLineEdit;
class QListView;
class QSortFilterProxyModel;

namespace tidings::ui {

class ChatListModel;

class QuickSwitcher : public QDialog {
    Q_OBJECT
public:
    QuickSwitcher(ChatListModel *chats, QWidget *parent = nullptr);
    QLineEdit *filterEdit() const { return m_filter; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }

signals:
    void chatChosen(quint64 conversationId);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void choose(const QModelIndex &index);

    QLineEdit *m_filter;
    QListView *m_list;
    QSortFilterProxyModel *m_proxy;
};

} // namespace tidings::ui
