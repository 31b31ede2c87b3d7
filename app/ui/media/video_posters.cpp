#include "video_posters.h"

#include "core/media/video_probe.h"

namespace tidings::ui {

VideoPosters::VideoPosters(QObject *parent)
    : QObject(parent) {}

VideoPosters::~VideoPosters() {
    delete m_probe;
}

QImage VideoPosters::poster(const QString &path) {
    if (path.isEmpty() || m_failed.contains(path))
        return {};
    if (const auto it = m_posters.constFind(path); it != m_posters.constEnd()) {
        m_order.removeOne(path);
        m_order.append(path);
        return *it;
    }
    if (path != m_probing && !m_queue.contains(path)) {
        m_queue.append(path);
        // Only what was asked for last: rows that scrolled away are not probed.
        while (m_queue.size() > 4)
            m_queue.removeFirst();
        if (!m_probe)
            next();
    }
    return {};
}

void VideoPosters::next() {
    if (m_probe || m_queue.isEmpty())
        return;
    m_probing = m_queue.takeLast();
    m_probe = new client::media::VideoProbe({}, this);
    connect(m_probe, &client::media::VideoProbe::finished, this,
            [this](const client::media::VideoInfo &info) { done(m_probing, info.poster); });
    connect(m_probe, &client::media::VideoProbe::failed, this,
            [this](const client::media::MediaError &) { done(m_probing, {}); });
    if (!m_probe->start(m_probing))
        done(m_probing, {});
}

void VideoPosters::done(QString path, const QImage &poster) {
    if (m_probe) {
        m_probe->disconnect(this);
        m_probe->deleteLater();
        m_probe = nullptr;
    }
    m_probing.clear();
    if (poster.isNull()) {
        m_failed.insert(path);
    } else {
        QImage scaled =
            poster.width() > kMaxSide || poster.height() > kMaxSide
                ? poster.scaled(kMaxSide, kMaxSide, Qt::KeepAspectRatio, Qt::SmoothTransformation)
                : poster;
        m_posters.insert(path, scaled.convertToFormat(QImage::Format_RGB32));
        m_order.append(path);
        while (m_order.size() > kMaxPosters)
            m_posters.remove(m_order.takeFirst());
        emit ready();
    }
    next();
}

} // namespace tidings::ui
