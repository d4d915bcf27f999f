//! The mouse wheel over a view: how many notches it turned this frame.

#[cfg(test)]
use egui::Vec2;
use egui::{Event, MouseWheelUnit};

/// The wheel's movement in this frame's events, in notches (lines), with the modifiers
/// held. Pixel deltas (touchpads) count 50 points a notch. Shift turns some platforms'
/// vertical wheel into a horizontal one: a horizontal delta then counts as vertical.
///
/// On X11, winit reports a wheel "click" sent as a button press and release (XTEST, as
/// xdotool and some remote desktops send it) as two line events of the same sign, so one
/// notch would move two slices: within one frame, a pair of equal one-line events counts
/// as one notch. (A real wheel comes as valuator motion, one event a notch; spun fast
/// enough to give two notches in one frame, it then moves one slice less.)
pub fn wheel_notches(events: &[Event]) -> Vec<(f32, egui::Modifiers)> {
    let mut out: Vec<(f32, egui::Modifiers)> = Vec::new();
    let mut paired = false;
    for e in events {
        let Event::MouseWheel {
            unit,
            delta,
            modifiers,
            ..
        } = e
        else {
            continue;
        };
        let d = if delta.y == 0.0 && modifiers.shift {
            delta.x
        } else {
            delta.y
        };
        let lines = match unit {
            MouseWheelUnit::Point => d / 50.0,
            MouseWheelUnit::Line => d,
            MouseWheelUnit::Page => d * 10.0,
        };
        let one_line = *unit == MouseWheelUnit::Line && lines.abs() == 1.0;
        if one_line
            && !paired
            && out
                .last()
                .is_some_and(|(l, m)| *l == lines && m == modifiers)
        {
            // The release half of a press + release pair.
            paired = true;
            continue;
        }
        paired = false;
        out.push((lines, *modifiers));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wheel(unit: MouseWheelUnit, y: f32, shift: bool) -> Event {
        Event::MouseWheel {
            unit,
            delta: Vec2::new(0.0, y),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers {
                shift,
                ..Default::default()
            },
        }
    }

    #[test]
    fn a_press_and_release_pair_is_one_notch() {
        let one = wheel(MouseWheelUnit::Line, -1.0, false);
        let n = |k: usize| -> f32 {
            wheel_notches(&vec![one.clone(); k])
                .iter()
                .map(|(l, _)| l.abs())
                .sum()
        };
        assert_eq!(n(1), 1.0);
        assert_eq!(n(2), 1.0);
        assert_eq!(n(4), 2.0);
        let other = wheel(MouseWheelUnit::Line, 1.0, false);
        assert_eq!(wheel_notches(&[one.clone(), other]).len(), 2);
        assert_eq!(
            wheel_notches(&[wheel(MouseWheelUnit::Point, -100.0, false)]),
            vec![(-2.0, egui::Modifiers::default())]
        );
        assert!(
            wheel_notches(&[wheel(MouseWheelUnit::Line, -1.0, true)])[0]
                .1
                .shift
        );
    }
}
