package org.tonle.core.declaration;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A programme as its bundle declares it (DESIGN.md section 3). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Programme(
        String id,
        Localized name,
        String department,
        List<Activity> activities,
        List<Indicator> indicators,
        Report report,
        List<String> routes) {

    public Programme {
        activities = activities == null ? List.of() : List.copyOf(activities);
        indicators = indicators == null ? List.of() : List.copyOf(indicators);
        routes = routes == null ? List.of() : List.copyOf(routes);
    }

    public Optional<Activity> activity(String activityId) {
        // A loop, not a stream: validation looks activities up for every record.
        for (Activity activity : activities) {
            if (activity.id().equals(activityId)) {
                return Optional.of(activity);
            }
        }
        return Optional.empty();
    }

    public Optional<Indicator> indicator(String code) {
        return indicators.stream().filter(i -> i.code().equals(code)).findFirst();
    }
}
