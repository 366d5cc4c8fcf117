import { NotFound } from '../../components/States.tsx';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';

export function NotFoundPage() {
  useDocumentTitle('Not found');
  return <NotFound what="page" />;
}
