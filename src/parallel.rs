//! Work shared out to a few scoped threads, the calling thread among them.

/// Runs `work` over `tasks` on up to `parallelism` scoped threads; the results come back in
/// the order of the tasks.
pub fn run_tasks<T: Send, R: Send>(
    tasks: Vec<T>,
    parallelism: usize,
    work: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let threads = parallelism.max(1).min(tasks.len());
    if threads <= 1 {
        return tasks.into_iter().map(work).collect();
    }
    let count = tasks.len();
    let queue = std::sync::Mutex::new(tasks.into_iter().enumerate());
    let mut slots: Vec<Option<R>> = (0..count).map(|_| None).collect();
    let done = std::sync::Mutex::new(Vec::with_capacity(count));
    let worker = || {
        loop {
            let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
            let Some((i, task)) = next else { break };
            let out = work(task);
            done.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((i, out));
        }
    };
    // The calling thread is one of the workers: it would only wait, and its heap has pages
    // a new thread would fault in afresh.
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(worker);
        }
        worker();
    });
    for (i, out) in done.into_inner().unwrap_or_else(|p| p.into_inner()) {
        slots[i] = Some(out);
    }
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_tasks_order_and_the_calling_thread_works_too() {
        let caller = std::thread::current().id();
        let out = run_tasks((0..8).collect(), 2, |i: u32| {
            std::thread::sleep(std::time::Duration::from_millis(5));
            (i * 10, std::thread::current().id())
        });
        let values: Vec<u32> = out.iter().map(|(v, _)| *v).collect();
        assert_eq!(values, [0, 10, 20, 30, 40, 50, 60, 70]);
        assert!(out.iter().any(|(_, t)| *t == caller));
        assert!(out.iter().any(|(_, t)| *t != caller));
        assert_eq!(run_tasks(vec![3, 1], 1, |i: u32| i + 1), [4, 2]);
    }
}
