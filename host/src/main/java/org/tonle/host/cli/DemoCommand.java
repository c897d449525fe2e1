package org.tonle.host.cli;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import org.tonle.core.access.Caller;
import org.tonle.core.config.Role;
import org.tonle.host.Node;
import org.tonle.host.demo.DemoData;
import org.tonle.host.demo.DemoLoader;
import org.tonle.host.demo.DemoReview;
import org.tonle.programme.api.PublishResult;

/**
 * {@code tonle demo}: serves with the August 2015 demo data loaded, and sample principals whose
 * tokens it prints (fresh ones every run; they exist only in this process).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run a node with the August 2015 demo data loaded and print tokens to try.")
final class DemoCommand implements Callable<Integer> {

    @Mixin
    NodeOptions options;

    @Override
    public Integer call() throws Exception {
        // /health stays 503 until the demo data is in: a script polling it must not read empty figures.
        Node node = Node.start(options.toOptions(true));
        PublishResult loaded = DemoLoader.load(node.ingest(), options.config.resolve("demo"));
        // Donors read approved months only (docs/ACCESS.md): the demo's months are reviewed and approved.
        DemoReview.approve(node, DemoData.SEED_MONTH.minusMonths(11), DemoData.SEED_MONTH);
        String given = System.getenv("TONLE_ADMIN_TOKEN");
        // A token given in the environment is the operator's secret: said to be in force, never
        // printed (the output may land in a terminal log, a CI log or a screen share).
        boolean adminGiven = given != null && !given.isBlank();
        String admin;
        if (adminGiven) {
            admin = "(the token in TONLE_ADMIN_TOKEN)";
        } else {
            admin = token();
            node.access().add(new Caller("demo-admin", Role.ADMIN, Set.of(), Set.of()), admin);
        }
        String donor = token();
        node.access().add(new Caller("demo-donor", Role.DONOR, Set.of("social", "awareness"), Set.of()), donor);
        String analyst = token();
        node.access().add(new Caller("demo-analyst", Role.ANALYST, Set.of(), Set.of()), analyst);
        String staff = token();
        node.access().add(new Caller("demo-staff-pnh", Role.STAFF, Set.of(), Set.of("PNH")), staff);
        node.ready();

        System.out.printf("""

                Tonle demo is serving at %1$s
                Demo data: %2$d records loaded, %3$d already there, %4$d rejected.

                Tokens for this run:
                  admin                         %5$s
                  donor (social, awareness)     %6$s
                  analyst                       %7$s
                  staff (Phnom Penh)            %8$s

                Pages (data entry, dashboard): open %1$s/ and sign in with a token.

                Try:
                  export TONLE_TOKEN=%9$s
                  curl -H "Authorization: Bearer $TONLE_TOKEN" '%1$s/api/v1/indicators/social.clients_met/values?period=2015-08&by=sex'

                Stop with Ctrl-C.
                """, node.url(), loaded.accepted(), loaded.duplicates(), loaded.rejected().size(), admin, donor, analyst, staff,
                adminGiven ? "\"$TONLE_ADMIN_TOKEN\"" : admin);
        ServeCommand.awaitShutdown(node);
        return 0;
    }

    private static String token() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return "tk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
