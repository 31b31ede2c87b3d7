#pragma once
// The users page: search, create, disable and enable, reset a password, delete, through the admin
// API. Every action asks the server and shows its answer; nothing is changed locally first.
#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTimer;

namespace tidings::admin {

class AdminClient;
class UsersModel;

class UsersPage : public QWidget {
    Q_OBJECT
public:
    explicit UsersPage(AdminClient *client, QWidget *parent = nullptr);

    void refresh();
    UsersModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QLineEdit *searchEdit() const { return m_search; }
    QPushButton *disableButton() const { return m_disable; }
    QPushButton *createButton() const { return m_create; }
    QString message() const;

    //! Test seam: the dialogs' answers (a username, a password), instead of asking.
    void setAnswersForTest(QStringList answers) { m_answers = std::move(answers); }

signals:
    //! An action finished: its outcome in words (also shown on the page).
    void actionDone(const QString &message);

private:
    void selectionChanged();
    int selectedRow() const;
    void toggleDisabled();
    void createUser();
    void resetPassword();
    void deleteUser();
    void run(const QString &command, const QJsonObject &args, const QString &done);
    //! The next test answer, or the user's input (empty: cancelled).
    QString ask(const QString &title, const QString &label, bool password);

    AdminClient *m_client;
    UsersModel *m_model;
    QTableView *m_table;
    QLineEdit *m_search;
    QPushButton *m_create;
    QPushButton *m_disable;
    QPushButton *m_reset;
    QPushButton *m_delete;
    QLabel *m_message;
    QTimer *m_searchDelay;
    QStringList m_answers;
};

} // namespace tidings::admin
