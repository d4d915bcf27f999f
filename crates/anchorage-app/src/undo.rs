//! Undo and redo: snapshots of the whole document, taken before each change. A change is
//! one command or one whole drag (the tools hand over an ROI only when the drag ends), so
//! a drag is undone in one step. The history is bounded.

/// A bounded undo/redo history of document snapshots.
#[derive(Debug, Clone)]
pub struct History<T> {
    undo: Vec<T>,
    redo: Vec<T>,
    limit: usize,
}

impl<T: Clone + PartialEq> History<T> {
    /// An empty history keeping at most `limit` steps.
    pub fn new(limit: usize) -> Self {
        History {
            undo: Vec::new(),
            redo: Vec::new(),
            limit: limit.max(1),
        }
    }

    /// Records `before`, the document as it was before a change; clears the redo list.
    pub fn record(&mut self, before: &T) {
        if self.undo.last() == Some(before) {
            return;
        }
        self.undo.push(before.clone());
        if self.undo.len() > self.limit {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// Undoes one step: returns the document to restore, given the current one.
    pub fn undo(&mut self, current: &T) -> Option<T> {
        let prev = self.undo.pop()?;
        self.redo.push(current.clone());
        Some(prev)
    }

    /// Redoes one step: returns the document to restore, given the current one.
    pub fn redo(&mut self, current: &T) -> Option<T> {
        let next = self.redo.pop()?;
        self.undo.push(current.clone());
        Some(next)
    }

    /// Whether there is something to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is something to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Forgets everything (a new document was opened).
    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_redo_and_bound() {
        let mut h = History::new(2);
        let mut doc = 0;
        for next in 1..=3 {
            h.record(&doc);
            doc = next;
        }
        // Only two steps are kept.
        doc = h.undo(&doc).unwrap();
        assert_eq!(doc, 2);
        doc = h.undo(&doc).unwrap();
        assert_eq!(doc, 1);
        assert!(h.undo(&doc).is_none());
        doc = h.redo(&doc).unwrap();
        assert_eq!(doc, 2);
        // A new change clears the redo list.
        h.record(&doc);
        doc = 7;
        assert!(!h.can_redo());
        assert_eq!(h.undo(&doc), Some(2));
    }
}
