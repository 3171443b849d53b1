//! Lenient ISO-8601 timestamps as Help Scout sends them.
//!
//! Accepted: `YYYY-MM-DDTHH:MM:SS` with an optional fraction (any number of digits, kept to
//! microseconds), then `Z`, `+HH:MM`, `-HH:MM`, `+HHMM` or nothing (taken as UTC, like the
//! rating `createdAt` in Help Scout's docs). The result is converted to UTC.

/// A UTC timestamp broken into fields (microsecond precision).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcDateTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub microsecond: u32,
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    s.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 (proleptic Gregorian), and back.
fn days_from_civil(y: i32, m: u8, d: u8) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m, d)
}

/// Parse a timestamp, or `None` when `s` is not one (the caller keeps the string).
pub fn parse(s: &str) -> Option<UtcDateTime> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let year = digits(b, 0, 4)? as i32;
    let month = digits(b, 5, 2)? as u8;
    let day = digits(b, 8, 2)? as u8;
    let hour = digits(b, 11, 2)? as u8;
    let minute = digits(b, 14, 2)? as u8;
    let second = digits(b, 17, 2)? as u8;
    if year < 1
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut i = 19;
    let mut microsecond = 0u32;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 6 {
                microsecond = microsecond * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        let n = i - start;
        if n == 0 {
            return None;
        }
        for _ in n..6 {
            microsecond *= 10;
        }
    }
    let offset_minutes: i64 = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let hh = digits(b, i + 1, 2)?;
            let (mm, end) = match b.get(i + 3) {
                Some(b':') => (digits(b, i + 4, 2)?, i + 6),
                Some(_) => (digits(b, i + 3, 2)?, i + 5),
                None => (0, i + 3),
            };
            if end != b.len() || hh > 23 || mm > 59 {
                return None;
            }
            let m = i64::from(hh * 60 + mm);
            if sign == b'+' {
                m
            } else {
                -m
            }
        }
        _ => return None,
    };
    if offset_minutes == 0 {
        return Some(UtcDateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
            microsecond,
        });
    }
    let total = days_from_civil(year, month, day) * 1440 + i64::from(hour) * 60 + i64::from(minute)
        - offset_minutes;
    let (y, m, d) = civil_from_days(total.div_euclid(1440));
    let mins = total.rem_euclid(1440);
    if !(1..=9999).contains(&y) {
        return None;
    }
    Some(UtcDateTime {
        year: y,
        month: m,
        day: d,
        hour: (mins / 60) as u8,
        minute: (mins % 60) as u8,
        second,
        microsecond,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(y: i32, mo: u8, d: u8, h: u8, mi: u8, s: u8, us: u32) -> Option<UtcDateTime> {
        Some(UtcDateTime {
            year: y,
            month: mo,
            day: d,
            hour: h,
            minute: mi,
            second: s,
            microsecond: us,
        })
    }

    #[test]
    fn help_scout_forms() {
        assert_eq!(
            parse("2012-03-15T22:46:22Z"),
            dt(2012, 3, 15, 22, 46, 22, 0)
        );
        assert_eq!(
            parse("2017-12-12T12:12:13"),
            dt(2017, 12, 12, 12, 12, 13, 0)
        );
        assert_eq!(
            parse("2020-07-03T07:03:29.982028Z"),
            dt(2020, 7, 3, 7, 3, 29, 982_028)
        );
        assert_eq!(
            parse("2020-07-03T07:03:29.9Z"),
            dt(2020, 7, 3, 7, 3, 29, 900_000)
        );
        assert_eq!(
            parse("2020-07-03T07:03:29.123456789Z"),
            dt(2020, 7, 3, 7, 3, 29, 123_456)
        );
        assert_eq!(
            parse("2020-07-03T07:03:29+00:00"),
            dt(2020, 7, 3, 7, 3, 29, 0)
        );
        assert_eq!(
            parse("2020-01-01T01:30:00+02:00"),
            dt(2019, 12, 31, 23, 30, 0, 0)
        );
        assert_eq!(
            parse("2020-02-28T23:00:00-0130"),
            dt(2020, 2, 29, 0, 30, 0, 0)
        );
    }

    #[test]
    fn non_timestamps_are_none() {
        for s in [
            "",
            "2020-01-15",
            "yesterday",
            "2020-13-01T00:00:00Z",
            "2021-02-29T00:00:00Z",
            "2020-01-01T00:00:00Q",
            "2020-01-01T00:00:00.Z",
            "2020-01-01T24:00:00Z",
            "2020-01-01T00:00:00+5",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }

    #[test]
    fn civil_round_trip() {
        for z in [-719_468i64, -1, 0, 1, 11_016, 18_262, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
