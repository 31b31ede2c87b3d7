#include "keyring_window.h"

#include <QCloseEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QSvgWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace tidings::ui {

//! A turning arc: Tidings is alive and waiting (a full progress bar would read as "done").
class BusySpinner : public QWidget {
public:
    explicit BusySpinner(QWidget *parent = nullptr)
        : QWidget(parent) {
        setFixedSize(28, 28);
        m_timer.setInterval(40);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            m_angle = (m_angle + 12) % 360;
            ++m_frames;
            update();
        });
    }
    int frames() const { return m_frames; }

protected:
    void showEvent(QShowEvent *) override { m_timer.start(); }
    void hideEvent(QHideEvent *) override { m_timer.stop(); }
    void paintEvent(QPaintEvent *) override {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        const QRectF r = QRectF(rect()).adjusted(3, 3, -3, -3);
        QColor track = palette().color(QPalette::Mid);
        track.setAlpha(90);
        p.setPen(QPen(track, 3.5));
        p.drawEllipse(r);
        p.setPen(QPen(palette().color(QPalette::Highlight), 3.5, Qt::SolidLine, Qt::RoundCap));
        p.drawArc(r, -m_angle * 16, 100 * 16);
    }

private:
    QTimer m_timer;
    int m_angle = 0;
    int m_frames = 0;
};

KeyringWindow::KeyringWindow(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel)
    , m_body(new QLabel)
    , m_busy(new BusySpinner)
    , m_detail(new QLabel)
    , m_hint(new QLabel)
    , m_quit(new QPushButton(tr("Quit")))
    , m_passphrase(new QPushButton(tr("Use a passphrase instead")))
    , m_retry(new QPushButton(tr("Try again"))) {
    setObjectName(QStringLiteral("keyringWindow"));
    setWindowTitle(tr("Tidings"));
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(24, 24, 24, 24);
    auto *card = new QWidget;
    card->setObjectName(QStringLiteral("keyringCard"));
    card->setAutoFillBackground(true);
    card->setBackgroundRole(QPalette::Base);
    card->setFixedWidth(500);
    auto *layout = new QVBoxLayout(card);
    layout->setContentsMargins(32, 28, 32, 28);
    layout->setSpacing(12);

    auto *logo = new QSvgWidget(QStringLiteral(":/icons/tidings.svg"));
    logo->setFixedSize(56, 56);
    layout->addWidget(logo, 0, Qt::AlignHCenter);
    QFont tf = m_title->font();
    tf.setPointSizeF(tf.pointSizeF() * 1.4);
    tf.setBold(true);
    m_title->setFont(tf);
    m_title->setAlignment(Qt::AlignCenter);
    m_title->setWordWrap(true);
    m_title->setObjectName(QStringLiteral("keyringTitle"));
    layout->addWidget(m_title);
    m_body->setWordWrap(true);
    m_body->setObjectName(QStringLiteral("keyringBody"));
    layout->addWidget(m_body);
    // Turns for as long as Tidings waits: the app is alive, only the keyring has not answered.
    m_busy->setAccessibleName(tr("Waiting"));
    layout->addWidget(m_busy, 0, Qt::AlignHCenter);
    m_detail->setWordWrap(true);
    m_detail->setObjectName(QStringLiteral("keyringDetail"));
    m_detail->setForegroundRole(QPalette::PlaceholderText);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_detail);
    m_hint->setWordWrap(true);
    m_hint->setForegroundRole(QPalette::PlaceholderText);
    m_hint->setText(tr("You can also keep this device's keys in a file protected by a passphrase, "
                       "which you type each time Tidings starts."));
    layout->addWidget(m_hint);

    for (QPushButton *b : {m_quit, m_passphrase, m_retry}) {
        // Fusion's buttons hug their text; these are the window's only actions.
        b->setMinimumSize(b->sizeHint().width() + 16, 30);
    }
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_quit);
    buttons->addStretch(1);
    buttons->addWidget(m_passphrase);
    buttons->addWidget(m_retry);
    layout->addSpacing(4);
    layout->addLayout(buttons);

    auto *row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(card);
    row->addStretch(1);
    outer->addStretch(1);
    outer->addLayout(row);
    outer->addStretch(1);

    connect(m_quit, &QPushButton::clicked, this, &KeyringWindow::quitRequested);
    connect(m_passphrase, &QPushButton::clicked, this, &KeyringWindow::passphraseRequested);
    connect(m_retry, &QPushButton::clicked, this, &KeyringWindow::retryRequested);
    resize(640, 460);
}

void KeyringWindow::showWaiting(bool passphraseAllowed) {
    m_waiting = true;
    m_title->setText(tr("Waiting for your keyring…"));
    m_body->setText(
        passphraseAllowed
            ? tr("Tidings keeps this device's keys in your system keyring. The keyring has opened "
                 "a window of its own and waits for you there, for example to choose a password "
                 "for a new keyring or to unlock it. Answer it, and Tidings carries on by itself.")
            : tr("This profile's keys are kept in your system keyring. The keyring has opened a "
                 "window of its own, probably to be unlocked. Unlock it there, and Tidings "
                 "carries on by itself."));
    setAccessibleName(m_title->text());
    m_busy->show();
    m_detail->hide();
    m_hint->setVisible(passphraseAllowed);
    m_passphrase->setVisible(passphraseAllowed);
    m_retry->hide();
    m_retry->setDefault(false);
    m_passphrase->setDefault(passphraseAllowed);
}

void KeyringWindow::showFailed(const Error &error, bool passphraseAllowed) {
    m_waiting = false;
    const bool unreachable = error.code == ErrorCode::Network;
    m_title->setText(unreachable ? tr("No keyring answered")
                                 : tr("The keyring did not give Tidings its keys"));
    if (passphraseAllowed)
        m_body->setText(error.code == ErrorCode::Forbidden
                            ? tr("The keyring refused, or its window was closed. Try again, or "
                                 "keep this device's keys in a file protected by a passphrase.")
                            : tr("The keyring reported a problem. Try again, or keep this "
                                 "device's keys in a file protected by a passphrase."));
    else if (unreachable)
        m_body->setText(tr("This profile's keys are kept in your system keyring, and no keyring "
                           "can be reached. Start Tidings in the desktop session where your "
                           "keyring runs, then try again."));
    else
        m_body->setText(tr("This profile's keys are kept in your system keyring, so Tidings "
                           "needs it to open the profile. Try again, and unlock the keyring when "
                           "it asks."));
    setAccessibleName(m_title->text());
    m_busy->hide();
    m_detail->setText(tr("The keyring said: %1").arg(error.detail));
    m_detail->setVisible(!error.detail.isEmpty());
    m_hint->hide();
    m_passphrase->setVisible(passphraseAllowed);
    m_retry->show();
    m_passphrase->setDefault(false);
    m_retry->setDefault(true);
    m_retry->setFocus();
}

int KeyringWindow::spinnerFrames() const {
    return m_busy->frames();
}

QString KeyringWindow::titleText() const {
    return m_title->text();
}

QString KeyringWindow::bodyText() const {
    return m_body->text();
}

QString KeyringWindow::detailText() const {
    return m_detail->isVisible() ? m_detail->text() : QString();
}

void KeyringWindow::closeEvent(QCloseEvent *event) {
    // Closing the window is quitting: the profile cannot open without its keys.
    event->ignore();
    emit quitRequested();
}

} // namespace tidings::ui
