-- Statistics the reporting views need and PostgreSQL lacks.

-- P(X > x) for X ~ chi-square with df degrees of freedom (integer df >= 1), in closed form:
-- even df: exp(-x/2) * sum_{j < df/2} (x/2)^j / j!;
-- odd df: erfc(sqrt(x/2)) + exp(-x/2) * sqrt(2x/pi) * sum_{j < (df-1)/2} x^j / (1*3*...*(2j+1)).
-- Terms are summed in log space, so a large x gives 0 instead of a float underflow error.
-- erfc is a Chebyshev fit with relative error below 1.2e-7 (Numerical Recipes' erfcc), ample
-- for a p-value compared against 0.001.
create function bandit.chi_square_sf(x double precision, df integer)
returns double precision
language plpgsql
immutable
strict
parallel safe
as $$
declare
    half double precision := x / 2;
    total double precision := 0;
    log_term double precision;
    z double precision;
    t double precision;
    erfc double precision;
    j integer;
begin
    if df < 1 then
        raise exception 'chi_square_sf: expected df >= 1, found %', df;
    end if;
    if x <= 0 then
        return 1;
    end if;
    if x = 'Infinity'::double precision then
        return 0;
    end if;
    if df % 2 = 0 then
        for j in 0 .. df / 2 - 1 loop
            log_term := -half + j * ln(half) - coalesce(
                (select sum(ln(i)) from generate_series(1, j) as i), 0
            );
            if log_term > -700 then
                total := total + exp(log_term);
            end if;
        end loop;
        return least(total, 1);
    end if;
    z := sqrt(half);
    t := 1 / (1 + z / 2);
    log_term := -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
        + t * (-0.82215223 + t * 0.17087277))))))));
    erfc := case when log_term > -700 then t * exp(log_term) else 0 end;
    for j in 0 .. (df - 1) / 2 - 1 loop
        log_term := -half + 0.5 * ln(2 * x / pi()) + j * ln(x) - coalesce(
            (select sum(ln(2 * i + 1)) from generate_series(0, j) as i), 0
        );
        if log_term > -700 then
            total := total + exp(log_term);
        end if;
    end loop;
    return least(erfc + total, 1);
end
$$;
