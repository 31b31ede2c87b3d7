#pragma once
#include <QWidget>

namespace tidings::ui {

//! A round avatar with initials (no image support yet: Tidings has no profile pictures).
class AvatarWidget : public QWidget {
public:
    explicit AvatarWidget(int size, QWidget *parent = nullptr);
    void set(const QString &name, quint64 id);

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString m_name;
    quint64 m_id = 0;
};

} // namespace tidings::ui
