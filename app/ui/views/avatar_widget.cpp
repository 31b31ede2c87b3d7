#include "avatar_widget.h"

#include "look.h"

#include <QPainter>

namespace tidings::ui {

AvatarWidget::AvatarWidget(int size, QWidget *parent)
    : QWidget(parent) {
    setFixedSize(size, size);
}

void AvatarWidget::set(const QString &name, quint64 id) {
    m_name = name;
    m_id = id;
    update();
}

void AvatarWidget::paintEvent(QPaintEvent *) {
    QPainter p(this);
    paintAvatar(&p, rect(), m_name, m_id);
}

} // namespace tidings::ui
