import threading
import time

from qbsync.clients.limiter import RealmLimiter


def test_sliding_window_waits_through_the_clock(clock):
    limiter = RealmLimiter(clock, per_minute=3, max_concurrent=10)
    t0 = clock.monotonic()
    for _ in range(3):
        with limiter.slot("r1"):
            pass
    assert clock.monotonic() == t0  # three fit in the minute
    clock.advance(10)
    with limiter.slot("r1"):
        pass
    assert clock.monotonic() - t0 == 60  # the fourth waited until the first left the window
    with limiter.slot("r2"):  # another realm has its own window
        pass
    assert clock.monotonic() - t0 == 60


def test_concurrency_cap_with_real_threads(clock):
    limiter = RealmLimiter(clock, per_minute=10_000, max_concurrent=3)
    in_flight, peak, lock = [0], [0], threading.Lock()

    def work():
        with limiter.slot("r"):
            with lock:
                in_flight[0] += 1
                peak[0] = max(peak[0], in_flight[0])
            time.sleep(0.003)
            with lock:
                in_flight[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 3
    assert limiter.stats("r") == {"total": 20, "peak_in_flight": 3, "in_flight": 0}
