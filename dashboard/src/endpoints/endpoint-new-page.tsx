import { toApiError, unwrap } from '../api/api-error.ts';
import { useApi } from '../api/api-context.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Link } from '../routing/link.tsx';
import { navigate } from '../routing/router.ts';
import { EMPTY_DRAFT } from './endpoint-draft.ts';
import { EndpointForm } from './endpoint-form.tsx';

/** Adding an endpoint; on success, its page (where the secret can be revealed). */
export function EndpointNewPage() {
  const { client } = useApi();
  return (
    <section className="narrow">
      <PageHeader back={<Link to="/endpoints">← Endpoints</Link>} title="New endpoint" subtitle="Herald signs every request with the endpoint's secret, generated for you." />
      <EndpointForm
        initial={EMPTY_DRAFT}
        submitLabel="Create endpoint"
        showEnabled
        onCancel={() => navigate('/endpoints')}
        onSubmit={async (body) => {
          try {
            const created = unwrap(await client.POST('/v1/endpoints', { body }));
            navigate(`/endpoints/${created.id}`);
            return null;
          } catch (thrown) {
            return toApiError(thrown);
          }
        }}
      />
    </section>
  );
}
