package org.tonle.host.demo;

import java.time.YearMonth;
import java.util.Set;

import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.core.config.Role;
import org.tonle.host.Node;
import org.tonle.host.service.HighlightService;
import org.tonle.host.service.PeriodService;

/**
 * The demo's monthly cycle, done as an organisation's admin would do it: every month of the demo
 * data submitted and approved, and every highlight that nothing holds approved, so that the
 * demo donor reads figures and the report carries its highlights. Held highlights stay held,
 * for the review page to show.
 */
public final class DemoReview {

    static final Caller REVIEWER = new Caller("demo-reviewer", Role.ADMIN, Set.of(), Set.of());

    private DemoReview() {
    }

    /** Reviews and approves the months from {@code first} to {@code last}; returns how many highlights it approved. */
    public static int approve(Node node, YearMonth first, YearMonth last) {
        int approved = 0;
        PeriodService.Selection everything = new PeriodService.Selection(null, null, null);
        for (YearMonth month = first; !month.isAfter(last); month = month.plusMonths(1)) {
            for (HighlightService.Highlight highlight : node.highlights().list(REVIEWER, month.toString(), HighlightService.PENDING)
                    .highlights()) {
                node.highlights().approve(REVIEWER, highlight.id(), null);
                approved++;
            }
            try {
                node.periods().submit(REVIEWER, month.toString(), everything);
                node.periods().approve(REVIEWER, month.toString(), everything);
            } catch (RequestRefused alreadyDone) {
                // a data folder reused from an earlier demo run: its months are approved already
            }
        }
        return approved;
    }
}
